import { sql, type UsageOutcome } from "@keyflow/db";
import { createTestDatabase, type TestDatabase } from "@keyflow/db/testing";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { usage, userPrincipal } from "../src/index";
import { keyService } from "./fixtures";

// Usage statistics (SPEC §7): raw events + hourly rollups must give the same exact numbers before,
// during and after rollups, for any half-open period [from, to).

const HOUR = 3_600_000;
const MIN = 60_000;
/** Hour-aligned; 16:00Z is 21:30 in Asia/Kolkata (UTC+5:30), whose midnight is at 18:30Z. */
const B = Date.parse("2026-03-01T16:00:00Z");
const at = (ms: number) => new Date(B + ms);

type KeyName = "a" | "b";
interface Ev {
  key: KeyName;
  at: Date;
  status: number;
  price: string;
}

function outcomeOf(status: number): UsageOutcome {
  if (status < 400) return "ok";
  if (status === 429) return "rate_limited";
  if (status === 401 || status === 403) return "denied";
  return status < 500 ? "client_error" : "server_error";
}

/** Prices in millionths (numeric(14, 6)), so expected costs are exact. */
const micros = (price: string) => BigInt(Math.round(Number(price) * 1e6));
function formatMicros(m: bigint): string {
  const int = m / 1_000_000n;
  const frac = (m % 1_000_000n).toString().padStart(6, "0").replace(/0+$/, "");
  return frac ? `${int}.${frac}` : String(int);
}

/** The reference: what the numbers must be, straight from the event list. */
function expected(events: Ev[], key: KeyName, from: Date, to: Date) {
  const inPeriod = events.filter((e) => e.key === key && e.at >= from && e.at < to);
  if (inPeriod.length === 0) return undefined;
  return {
    requests: inPeriod.length,
    errors: inPeriod.filter((e) => e.status >= 400).length,
    cost: formatMicros(inPeriod.filter((e) => e.status < 400).reduce((s, e) => s + micros(e.price), 0n)),
    lastUsedAt: new Date(Math.max(...inPeriod.map((e) => e.at.getTime()))),
  };
}

/** Spread over six hours: hour edges, a price change, every outcome, both sides of Kolkata's midnight. */
const BASE_EVENTS: Ev[] = [
  { key: "a", at: at(5 * MIN), status: 200, price: "0.01" },
  { key: "a", at: at(30 * MIN), status: 204, price: "0.01" },
  { key: "a", at: at(HOUR - 1), status: 404, price: "0.01" },
  { key: "a", at: at(HOUR), status: 200, price: "0.01" },
  { key: "a", at: at(90 * MIN), status: 500, price: "0.01" },
  { key: "a", at: at(135 * MIN), status: 200, price: "0.025" }, // 18:15Z, before midnight in Kolkata
  { key: "a", at: at(155 * MIN), status: 429, price: "0.025" }, // 18:35Z, after it
  { key: "a", at: at(190 * MIN), status: 200, price: "0.025" },
  { key: "a", at: at(250 * MIN), status: 201, price: "0.025" },
  { key: "a", at: at(299 * MIN), status: 302, price: "0.025" },
  { key: "a", at: at(305 * MIN), status: 200, price: "0.025" },
  { key: "b", at: at(10 * MIN), status: 200, price: "1.5" },
  { key: "b", at: at(70 * MIN), status: 403, price: "1.5" },
  { key: "b", at: at(170 * MIN), status: 200, price: "1.5" }, // 18:50Z
  { key: "b", at: at(4 * HOUR), status: 200, price: "1.5" },
  { key: "b", at: at(310 * MIN), status: 503, price: "1.5" },
];

/** Periods with aligned and unaligned edges, events exactly on edges, empty stretches. */
const PERIODS: [Date, Date][] = [
  [at(0), at(6 * HOUR)],
  [at(-24 * HOUR), at(24 * HOUR)],
  [at(HOUR - 1), at(190 * MIN)], // starts on an event (included), ends on one (excluded)
  [at(30 * MIN + 1), at(250 * MIN + 1)],
  [at(HOUR), at(2 * HOUR)],
  [at(135 * MIN), at(135 * MIN + 1)],
  [at(2 * HOUR + 1), at(4 * HOUR)],
  [at(6 * HOUR), at(7 * HOUR)],
];

let t: TestDatabase;
let fx: Awaited<ReturnType<typeof setup>>;

/** Owner, two holders with one key each from a template of a public project. */
async function setup(db: TestDatabase["db"]) {
  const service = await keyService(db);
  const alice = await service.holder("alice");
  const bob = await service.holder("bob");
  const keys: Record<KeyName, number> = { a: alice.keyId, b: bob.keyId };
  return { owner: service.owner, alice: alice.user, bob: bob.user, projectId: service.project.id, keys };
}

async function record(events: Ev[]) {
  await usage.recordUsage(
    t.db,
    events.map((e) => ({
      keyId: fx.keys[e.key],
      at: e.at,
      method: "GET",
      route: "/api/projects/:projectId/data_layers/last",
      status: e.status,
      outcome: outcomeOf(e.status),
      durationMs: 3,
      price: e.price,
    })),
  );
}

/** usageTotals for both keys over every period equals the reference. */
async function expectTotals(events: Ev[], periods: [Date, Date][] = PERIODS) {
  for (const [from, to] of periods) {
    const totals = await usage.usageTotals(t.db, [fx.keys.a, fx.keys.b], from, to);
    for (const key of ["a", "b"] as const) {
      expect(totals.get(fx.keys[key]), `key ${key} in [${from.toISOString()}, ${to.toISOString()})`).toEqual(
        expected(events, key, from, to),
      );
    }
  }
}

/** The owner's table of issued keys shows the same numbers. */
async function expectIssued(events: Ev[], from: Date, to: Date) {
  const { rows, total } = await usage.issued(t.db, userPrincipal(fx.owner.id), {
    projectId: fx.projectId,
    from,
    to,
  });
  expect(total).toBe(2);
  for (const key of ["a", "b"] as const) {
    const row = rows.find((r) => r.keyId === fx.keys[key]);
    const want = expected(events, key, from, to);
    const ever = expected(events, key, new Date(0), new Date(Date.now() + HOUR));
    expect(row).toMatchObject({
      requests: want?.requests ?? 0,
      errors: want?.errors ?? 0,
      cost: want?.cost ?? "0",
      lastUsedAt: ever?.lastUsedAt ?? null,
    });
  }
}

async function hourlyRows() {
  const r = await sql<{ key_id: number; hour: Date; requests: number; errors: number; cost: string }>`
    select key_id, hour, requests, errors, cost::text as cost, ok, client_error, server_error,
      rate_limited, denied, last_used_at
    from usage_hourly order by key_id, hour`.execute(t.db);
  return r.rows;
}

beforeEach(async () => {
  t = await createTestDatabase();
  fx = await setup(t.db);
});
afterEach(async () => {
  await t?.destroy();
});

describe("usage totals", () => {
  test("are exact before any rollup, after one, and after running it twice (idempotent)", async () => {
    await record(BASE_EVENTS);
    await expectTotals(BASE_EVENTS);
    await expectIssued(BASE_EVENTS, at(0), at(6 * HOUR));
    await expectIssued(BASE_EVENTS, at(HOUR - 1), at(190 * MIN));

    // 30 minutes into hour 5: hours 0–4 are complete
    const now = at(5 * HOUR + 30 * MIN);
    const first = await usage.rollupUsage(t.db, now);
    expect(first.to).toEqual(at(5 * HOUR));
    const rolled = new Set(
      BASE_EVENTS.filter((e) => e.at < at(5 * HOUR)).map(
        (e) => `${e.key}:${Math.floor(e.at.getTime() / HOUR)}`,
      ),
    );
    expect(first.buckets).toBe(rolled.size);

    // every bucket is the reference for its key and hour
    const buckets = await hourlyRows();
    expect(buckets).toHaveLength(rolled.size);
    for (const b of buckets) {
      const key = b.key_id === fx.keys.a ? "a" : "b";
      const want = expected(BASE_EVENTS, key, b.hour, new Date(b.hour.getTime() + HOUR));
      expect({ requests: b.requests, errors: b.errors, cost: formatMicros(micros(b.cost)) }).toEqual({
        requests: want?.requests,
        errors: want?.errors,
        cost: want?.cost,
      });
    }
    await expectTotals(BASE_EVENTS);
    await expectIssued(BASE_EVENTS, at(0), at(6 * HOUR));
    await expectIssued(BASE_EVENTS, at(30 * MIN + 1), at(250 * MIN + 1));

    // again at the same instant: the last rolled hour is recomputed, nothing changes
    const second = await usage.rollupUsage(t.db, now);
    expect(second).toMatchObject({ from: at(4 * HOUR), to: at(5 * HOUR) });
    expect(await hourlyRows()).toEqual(buckets);
    await expectTotals(BASE_EVENTS);

    // and a later run that rolls hour 5 as well
    await usage.rollupUsage(t.db, at(6 * HOUR + MIN));
    await expectTotals(BASE_EVENTS);
    await expectIssued(BASE_EVENTS, at(HOUR - 1), at(190 * MIN));
  });

  test("late events for an already rolled hour (within the re-roll window) are counted exactly once", async () => {
    await record(BASE_EVENTS);
    await usage.rollupUsage(t.db, at(5 * HOUR + 30 * MIN)); // rolled until hour 5
    const events = [...BASE_EVENTS];

    // arrives late for hour 4, which the last rollup already put into a bucket
    const late: Ev = { key: "a", at: at(4 * HOUR + 40 * MIN), status: 200, price: "0.5" };
    await record([late]);
    events.push(late);
    await expectTotals(events); // counted at once, from the raw events
    await usage.rollupUsage(t.db, at(5 * HOUR + 31 * MIN)); // re-rolls hour 4
    await expectTotals(events);
    await expectIssued(events, at(4 * HOUR), at(5 * HOUR));

    // the grace period: a rollup a few seconds after the hour leaves that hour open...
    const r = await usage.rollupUsage(t.db, at(6 * HOUR + 5_000));
    expect(r.to).toEqual(at(5 * HOUR));
    // ...so an event flushed a moment later for its last second still lands in raw, then its bucket
    const lastSecond: Ev = { key: "b", at: at(6 * HOUR - 1), status: 200, price: "1.5" };
    await record([lastSecond]);
    events.push(lastSecond);
    await expectTotals(events);
    expect((await usage.rollupUsage(t.db, at(6 * HOUR + MIN))).to).toEqual(at(6 * HOUR));
    await expectTotals(events);
    // hours 4 and 5 are now final, from buckets only: still exactly once
    await usage.rollupUsage(t.db, at(7 * HOUR + MIN));
    await usage.rollupUsage(t.db, at(7 * HOUR + MIN));
    await expectTotals(events);
    await expectIssued(events, at(0), at(8 * HOUR));
  });

  test("raw events older than 30 days are deleted by the rollup; their buckets stay", async () => {
    const recent: Ev[] = [
      { key: "a", at: at(30 * 24 * HOUR + 20 * HOUR), status: 200, price: "0.01" },
      { key: "b", at: at(30 * 24 * HOUR + 21 * HOUR), status: 500, price: "1.5" },
    ];
    const events = [...BASE_EVENTS, ...recent];
    await record(events);
    const now = at(31 * 24 * HOUR); // BASE_EVENTS are now 30–31 days old
    await usage.rollupUsage(t.db, now);

    const raw = await t.db.selectFrom("usage_events").select(["at"]).orderBy("at").execute();
    expect(raw.map((r) => r.at)).toEqual(recent.map((e) => e.at));
    const cutoff = new Date(now.getTime() - 30 * 24 * HOUR);
    expect(raw.every((r) => r.at >= cutoff)).toBe(true);

    const old = await t.db
      .selectFrom("usage_hourly")
      .select(sql<number>`sum(requests)::int`.as("n"))
      .where("hour", "<", cutoff)
      .executeTakeFirstOrThrow();
    expect(old.n).toBe(BASE_EVENTS.length);
    // whole hours come from the buckets, so the old numbers are unchanged
    await expectTotals(events, [
      [at(0), at(6 * HOUR)],
      [at(HOUR), at(3 * HOUR)],
      [at(-HOUR), now],
    ]);
    await expectIssued(events, at(0), now);
  });
});

describe("usage series", () => {
  const sum = (points: { requests: number; errors: number }[]) => ({
    requests: points.reduce((s, p) => s + p.requests, 0),
    errors: points.reduce((s, p) => s + p.errors, 0),
  });
  const totalOf = (events: Ev[], keys: KeyName[], from: Date, to: Date) => {
    const parts = keys.map((k) => expected(events, k, from, to));
    return {
      requests: parts.reduce((s, p) => s + (p?.requests ?? 0), 0),
      errors: parts.reduce((s, p) => s + (p?.errors ?? 0), 0),
    };
  };

  async function checkSeries() {
    const owner = userPrincipal(fx.owner.id);
    const projectId = fx.projectId;

    // hour buckets (UTC): exactly the reference per hour
    const hours = await usage.series(t.db, owner, {
      projectId,
      from: at(0),
      to: at(6 * HOUR),
      bucket: "hour",
    });
    expect(hours.points.map((p) => p.t)).toEqual([0, 1, 2, 3, 4, 5].map((h) => at(h * HOUR)));
    for (const p of hours.points) {
      expect({ requests: p.requests, errors: p.errors }).toEqual(
        totalOf(BASE_EVENTS, ["a", "b"], p.t, new Date(p.t.getTime() + HOUR)),
      );
    }

    // unaligned edges: the buckets still add up to the period's totals
    for (const [from, to] of PERIODS) {
      const s = await usage.series(t.db, owner, { projectId, from, to, bucket: "hour" });
      expect(sum(s.points)).toEqual(totalOf(BASE_EVENTS, ["a", "b"], from, to));
    }

    // day buckets in Asia/Kolkata: local midnights (18:30Z), adding up to the totals
    const from = at(-24 * HOUR);
    const to = at(24 * HOUR);
    const days = await usage.series(t.db, owner, {
      projectId,
      from,
      to,
      bucket: "day",
      timeZone: "Asia/Kolkata",
    });
    expect(days.timeZone).toBe("Asia/Kolkata");
    expect(days.points.map((p) => p.t)).toEqual([
      new Date("2026-02-28T18:30:00Z"),
      new Date("2026-03-01T18:30:00Z"),
    ]);
    expect(sum(days.points)).toEqual(totalOf(BASE_EVENTS, ["a", "b"], from, to));

    // a holder's own key: the same sums for just that key
    const mine = await usage.series(t.db, userPrincipal(fx.alice.id), {
      keyId: fx.keys.a,
      from: at(20 * MIN),
      to: at(5 * HOUR + 1),
      bucket: "day",
      timeZone: "Asia/Kolkata",
    });
    expect(sum(mine.points)).toEqual(totalOf(BASE_EVENTS, ["a"], at(20 * MIN), at(5 * HOUR + 1)));
    return days;
  }

  test("hour and day buckets add up to the totals, before and after rollups", async () => {
    await record(BASE_EVENTS);
    const before = await checkSeries();
    // from raw events the day split is exact: 18:15Z is still 1 March in Kolkata, 18:35Z is 2 March
    const midnight = at(150 * MIN);
    expect(before.points.map((p) => p.requests)).toEqual([
      totalOf(BASE_EVENTS, ["a", "b"], at(-24 * HOUR), midnight).requests,
      totalOf(BASE_EVENTS, ["a", "b"], midnight, at(24 * HOUR)).requests,
    ]);

    await usage.rollupUsage(t.db, at(5 * HOUR + 30 * MIN));
    await checkSeries();
    await usage.rollupUsage(t.db, at(5 * HOUR + 30 * MIN));
    await usage.rollupUsage(t.db, at(7 * HOUR));
    await checkSeries();
  });
});
