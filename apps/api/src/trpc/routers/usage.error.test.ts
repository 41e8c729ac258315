import { afterAll, beforeAll, expect, test } from "vitest";
import {
  countRows,
  createHarness,
  expectTrpcError,
  type Harness,
  projectWithKey,
} from "../../../test/harness";

let h: Harness;
let f: Awaited<ReturnType<typeof projectWithKey>>;
beforeAll(async () => {
  h = await createHarness();
  f = await projectWithKey(h);
});
afterAll(() => h.close());

const hourAgo = () => new Date(Date.now() - 3_600_000);
const now = () => new Date();

async function usageEvents() {
  const r = await h.db
    .selectFrom("usage_events")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

test("bad input is BAD_REQUEST naming the field, and nothing is written", async () => {
  const series = f.owner.client.usage.series;
  const before = { events: await usageEvents(), audit: await countRows(h, "audit_log") };
  const ok = { keyId: f.keyId, from: hourAgo(), to: now(), bucket: "hour" as const };
  const refusals: [Parameters<typeof series.query>[0], RegExp][] = [
    [{ ...ok, keyId: 2147483648 }, /^keyId:/],
    [{ ...ok, keyId: undefined, projectId: 2147483648 }, /^projectId:/],
    [{ ...ok, from: now(), to: hourAgo() }, /^from: must be before to/],
    [{ ...ok, to: ok.from }, /^from: must be before to/],
    // the earliest instant JavaScript holds (year −271821): PostgreSQL could not
    [{ ...ok, from: new Date(-8.64e15) }, /^from: must be in 1970 or later/],
    [{ ...ok, to: new Date(8.64e15) }, /^to: must be before the year 10000/],
    [
      { ...ok, from: new Date("2020-01-01"), to: new Date("2021-06-01") },
      /^to: the period may span at most 400 days/,
    ],
    [{ ...ok, bucket: "week" as "hour" }, /^bucket:/],
    [{ ...ok, bucket: "day", timeZone: "Mars/Olympus" }, /^timeZone: must be an IANA time zone/],
    // an offset would be read as a POSIX zone, with the sign inverted
    [{ ...ok, bucket: "day", timeZone: "+05:30" }, /^timeZone:/],
    [{ ...ok, bucket: "day", timeZone: "x".repeat(65) }, /^timeZone:/],
    [{ ...ok, projectId: f.project.id }, /^keyId: give exactly one of keyId and projectId/],
    [{ ...ok, keyId: undefined }, /^keyId: give exactly one of keyId and projectId/],
  ];
  for (const [input, message] of refusals) await expectTrpcError(series.query(input), "BAD_REQUEST", message);
  expect({ events: await usageEvents(), audit: await countRows(h, "audit_log") }).toEqual(before);
});

test("a key that does not exist is NOT_FOUND", async () => {
  await expectTrpcError(
    f.owner.client.usage.series.query({ keyId: 2147483647, from: hourAgo(), to: now(), bucket: "hour" }),
    "NOT_FOUND",
    /API key not found/,
  );
});
