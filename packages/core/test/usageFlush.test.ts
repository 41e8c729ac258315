import { sql } from "@keyflow/db";
import { createTestDatabase, type TestDatabase } from "@keyflow/db/testing";
import { afterAll, beforeAll, expect, test } from "vitest";
import { usage } from "../src/index";
import { keyService } from "./fixtures";

// A flush of buffered usage events (recordUsage, the API's UsageRecorder) is grouped into blocks
// by key and UTC minute in JavaScript: every event must come back from the view exactly as it was
// recorded, whichever of a block's columns were constant, varied or null.

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.destroy());

test("a flush's events come back one for one, by key and minute, constant, varied and null columns alike", async () => {
  const service = await keyService(t.db);
  const a = (await service.holder("a")).keyId;
  const b = (await service.holder("b")).keyId;
  const m = Date.parse("2026-12-04T10:00:00Z");
  const event = (keyId: number, ms: number, over: Partial<usage.UsageEvent> = {}): usage.UsageEvent => ({
    keyId,
    at: new Date(m + ms),
    method: "GET",
    route: "/api/projects/{projectId}/data_layers/last",
    status: 200,
    outcome: "ok",
    durationMs: 1.5,
    price: "0.010000",
    ip: "10.0.0.1",
    ...over,
  });
  const events = [
    // key a, minute 0: one method, route, price and address; varying status, outcome, duration
    event(a, 0),
    event(a, 1, { status: 429, outcome: "rate_limited", durationMs: 0.25 }),
    // key b interleaved, minute 0: every address unknown
    event(b, 2, { ip: null }),
    event(a, 3),
    event(b, 4, { ip: null, method: "POST", route: 'a "quoted", {odd} route' }),
    // key a, minute 1: everything varies, an address missing, IPv6
    event(a, 60_000, { ip: "::1", price: "0.5", route: "/r/1" }),
    event(a, 60_001, { ip: null, price: "0.010000", method: "POST", status: 500, outcome: "server_error" }),
    event(a, 60_002, { ip: "::1", route: "/r/2" }),
  ];
  await usage.recordUsage(t.db, events);

  const rows = await sql<
    Record<string, unknown>
  >`select key_id, at, method, route, status, outcome, duration_ms,
      price::text as price, host(ip) as ip
    from usage_events where key_id in (${a}, ${b}) order by key_id, at`.execute(t.db);
  const byKeyAndTime = [...events].sort((x, y) => x.keyId - y.keyId || x.at.getTime() - y.at.getTime());
  expect(rows.rows).toEqual(
    byKeyAndTime.map((e) => ({
      key_id: e.keyId,
      at: e.at,
      method: e.method,
      route: e.route,
      status: e.status,
      outcome: e.outcome,
      duration_ms: e.durationMs,
      price: Number(e.price).toFixed(6),
      ip: e.ip ?? null,
    })),
  );
  const blocks = await sql<{ key_id: number; minute: Date; n: number }>`select key_id, minute,
      cardinality(at) as n from usage_event_blocks where key_id in (${a}, ${b}) order by key_id, minute`.execute(
    t.db,
  );
  expect(blocks.rows).toEqual([
    { key_id: a, minute: new Date(m), n: 3 },
    { key_id: a, minute: new Date(m + 60_000), n: 3 },
    { key_id: b, minute: new Date(m), n: 2 },
  ]);
});
