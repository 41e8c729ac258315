import { sql } from "kysely";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createTestDatabase, type TestDatabase } from "../src/testing";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.destroy());

test("a cloned test database has every migrated table and graphile-worker's schema", async () => {
  const tables = await sql<{ table_name: string }>`
    select table_name from information_schema.tables where table_schema = 'public'`.execute(t.db);
  const names = tables.rows.map((r) => r.table_name);
  for (const table of ["users", "projects", "roles", "nodes", "links", "packages", "blobs", "audit_log"]) {
    expect(names).toContain(table);
  }
  const worker = await sql<{ n: number }>`
    select count(*)::int as n from information_schema.schemata where schema_name = 'graphile_worker'`.execute(
    t.db,
  );
  expect(worker.rows[0]?.n).toBe(1);
});

test("e-mail addresses are unique regardless of case", async () => {
  await t.db
    .insertInto("users")
    .values({ email: "Ann@Example.com", name: "Ann", password_hash: "x" })
    .execute();
  await expect(
    t.db
      .insertInto("users")
      .values({ email: "ann@example.com", name: "Ann 2", password_hash: "x" })
      .execute(),
  ).rejects.toThrow(/users_email_key/);
});
