import { sql } from "@keyflow/db";
import { createTestDatabase, type TestDatabase } from "@keyflow/db/testing";
import { afterAll, beforeAll, expect, test } from "vitest";
import { dictionaryArray, numberArray, textArray } from "../src/usage/arrayLiteral";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.destroy());

test("text arrays reach PostgreSQL as sent, whatever their characters", async () => {
  const values = [
    'a "quoted" word',
    "back\\slash",
    "{braces},commas",
    " spaced ",
    "",
    "NULL",
    null,
    "ünïcödé ✓",
    "GET",
  ];
  const r = await sql<{ v: (string | null)[] }>`select ${textArray(values)}::text[] as v`.execute(t.db);
  expect(r.rows[0]!.v).toEqual(values);
  // the same strings again come from the quoting cache, still right
  const again = await sql<{ v: (string | null)[] }>`select ${textArray(values)}::text[] as v`.execute(t.db);
  expect(again.rows[0]!.v).toEqual(values);
  const empty = await sql<{ n: number }>`select cardinality(${textArray([])}::text[]) as n`.execute(t.db);
  expect(empty.rows[0]!.n).toBe(0);
});

test("number arrays keep every number, and refuse one that is not finite", async () => {
  const values = [0, -3, 1796320400833.04, 1.5e-7, 0.1 + 0.2, 2 ** 31 - 1];
  const r = await sql<{ v: number[] }>`select ${numberArray(values)}::float8[] as v`.execute(t.db);
  expect(r.rows[0]!.v.map(Number)).toEqual(values);
  expect(() => numberArray([1, Number.NaN])).toThrow("not a finite number: NaN");
  expect(() => numberArray([Number.POSITIVE_INFINITY])).toThrow(/not a finite number/);
});

test("a dictionary column reads back in PostgreSQL as the values sent, nulls and repeats included", async () => {
  const values = ["GET", "GET", null, "POST", 'a "quoted", {odd} one', "GET", null, null, "POST", ""];
  const d = dictionaryArray(values);
  const r = await sql<{ v: (string | null)[] }>`select array(
      select (${d.values}::text[])[i] from unnest(${d.index}::int[]) with ordinality as x(i, n) order by n
    ) as v`.execute(t.db);
  expect(r.rows[0]!.v).toEqual(values);
  // each distinct value is sent once
  expect(d.values).toBe(textArray(["GET", "POST", 'a "quoted", {odd} one', ""]));
  expect(dictionaryArray([])).toEqual({ values: "{}", index: "{}" });
});
