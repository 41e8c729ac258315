import type { usage } from "@keyflow/core";
import { sql } from "@keyflow/db";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createHarness, type Harness, linkedService } from "../../test/harness";
import { UsageRecorder } from "./usageRecorder";

// The buffer of read usage (SPEC §7): what a failed flush could not write is written by the next
// one, exactly once and as recorded; while the database stays away only the newest events are kept.

let h: Harness;
let keyId: number;

beforeAll(async () => {
  h = await createHarness();
  keyId = (await linkedService(h)).keyId;
});
afterAll(() => h.close());

const at0 = Date.parse("2026-12-03T10:59:59.999Z");
const event = (i: number): usage.UsageEvent => ({
  keyId,
  at: new Date(at0 + i),
  method: "GET",
  route: "/api/projects/:projectId/data_layers/last",
  status: i % 7 === 0 ? 404 : 200,
  outcome: i % 7 === 0 ? "client_error" : "ok",
  durationMs: i,
  price: "0.25",
  ip: i % 2 === 0 ? "203.0.113.7" : null,
});

async function stored() {
  const r = await sql<{ at: Date; status: number; outcome: string; duration_ms: number; ip: string | null }>`
    select at, status, outcome, duration_ms, host(ip) as ip from usage_events where key_id = ${keyId}
    order by at`.execute(h.db);
  return r.rows;
}

test("events a failed flush kept are written by the next, once each, with their time, status and address", async () => {
  const recorder = new UsageRecorder(h.db);
  for (let i = 0; i < 10; i++) recorder.record(event(i));
  // the table away: the INSERT fails (logged), the events stay buffered
  await sql`alter table usage_event_blocks rename to usage_event_blocks_away`.execute(h.db);
  await recorder.flush();
  await sql`alter table usage_event_blocks_away rename to usage_event_blocks`.execute(h.db);
  expect(await stored()).toEqual([]);
  for (let i = 10; i < 12; i++) recorder.record(event(i));
  await recorder.close();
  const rows = await stored();
  expect(rows.map((r) => r.duration_ms)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  expect(rows[0]).toEqual({
    at: new Date(at0),
    status: 404,
    outcome: "client_error",
    duration_ms: 0,
    ip: "203.0.113.7",
  });
  expect(rows[1]).toEqual({ at: new Date(at0 + 1), status: 200, outcome: "ok", duration_ms: 1, ip: null });
  await sql`delete from usage_event_blocks where key_id = ${keyId}`.execute(h.db);
});

test("while the database stays away, the buffer keeps the newest events within its bound", async () => {
  const recorder = new UsageRecorder(h.db, 100);
  await sql`alter table usage_event_blocks rename to usage_event_blocks_away`.execute(h.db);
  for (let i = 0; i < 60; i++) recorder.record(event(i));
  await recorder.flush();
  // the 60 kept, then 90 more: each time the buffer is full (100), its oldest 10 go
  for (let i = 60; i < 150; i++) recorder.record(event(i));
  await sql`alter table usage_event_blocks_away rename to usage_event_blocks`.execute(h.db);
  await recorder.close();
  const kept = (await stored()).map((r) => r.duration_ms);
  expect(kept.length).toBeLessThanOrEqual(100);
  expect(kept.length).toBeGreaterThanOrEqual(90);
  expect(kept.at(-1)).toBe(149);
  // the newest, in order, without a gap
  expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => 150 - kept.length + i));
  // full as events 100, 110, 120, 130 and 140 come: five drops of 10 leave events 50–149
  expect(kept).toEqual(Array.from({ length: 100 }, (_, i) => 50 + i));
});
