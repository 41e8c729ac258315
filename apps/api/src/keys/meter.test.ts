import { afterAll, afterEach, beforeAll, expect, test, vi } from "vitest";
import { createHarness, type Harness, linkedService } from "../../test/harness";
import { Meter } from "./meter";

// The steady state of metering answers from memory, without a promise (admitFromMemory,
// reserveFromMemory); what it answers must add up exactly as the leasing path does: the limit and
// the quota are never passed, and a call memory cannot answer counts nothing.

let h: Harness;
let keyId: number;
let userId: number;

beforeAll(async () => {
  h = await createHarness();
  const k = await linkedService(h);
  keyId = k.keyId;
  userId = (
    await h.db.selectFrom("api_keys").select("user_id").where("id", "=", keyId).executeTakeFirstOrThrow()
  ).user_id;
});
afterAll(() => h.close());
afterEach(() => {
  vi.useRealTimers();
});

/** Calls the memory path first and the leasing path only when memory has no answer, as restAuth does. */
async function take<D>(
  fromMemory: () => D | undefined,
  leasing: () => Promise<D | null>,
  answered: { fromMemory: number },
) {
  const d = fromMemory();
  if (d !== undefined) {
    answered.fromMemory++;
    return d;
  }
  return leasing();
}

test("a rate limit of 100/min admits exactly 100, from memory between leases, and refuses the next", async () => {
  // the middle of a minute, held there: the window does not turn during the test
  vi.useFakeTimers({ toFake: ["Date"], now: new Date("2026-12-03T12:00:30Z") });
  const meter = new Meter(h.db);
  const key = { keyId, userId, rateLimitPerMinute: 100, rateLimitMode: "reject" as const, quota: null };
  // nothing leased yet: memory has no answer and counts nothing
  expect(meter.admitFromMemory(key)).toBeUndefined();
  const answered = { fromMemory: 0 };
  let allowed = 0;
  for (let i = 0; i < 101; i++) {
    const d = await take(
      () => meter.admitFromMemory(key),
      () => meter.admit(key),
      answered,
    );
    if (d?.allowed) allowed++;
  }
  expect(allowed).toBe(100);
  expect(answered.fromMemory).toBeGreaterThan(0);
  // the refusal is remembered: answered from memory with Retry-After, still refused
  const again = meter.admitFromMemory(key);
  expect(again).toMatchObject({ allowed: false, remaining: 0 });
  expect(again!.retryAfterS).toBeGreaterThanOrEqual(1);
  await meter.close();
});

test("in wait mode a refusal is left to admit, which holds the request", async () => {
  const meter = new Meter(h.db);
  const key = {
    keyId: keyId + 1_000_000,
    userId,
    rateLimitPerMinute: 1,
    rateLimitMode: "wait" as const,
    quota: null,
  };
  expect((await meter.admit(key))?.allowed).toBe(true);
  // the budget is spent: memory knows the refusal but does not answer it in wait mode
  expect(meter.admitFromMemory(key)).toBeUndefined();
  await meter.close();
});

test("a quota of 30 reserves exactly 30 through both paths; a unit given back is reserved again", async () => {
  await h.db
    .updateTable("api_key_templates")
    .set({ quota_requests: 30, quota_period: "total" })
    .where(
      "id",
      "=",
      (
        await h.db
          .selectFrom("api_keys")
          .select("template_id")
          .where("id", "=", keyId)
          .executeTakeFirstOrThrow()
      ).template_id,
    )
    .execute();
  const meter = new Meter(h.db);
  const key = {
    keyId,
    userId,
    rateLimitPerMinute: null,
    rateLimitMode: "reject" as const,
    quota: { requests: 30, period: "total" as const },
  };
  expect(meter.reserveFromMemory(key)).toBeUndefined();
  const answered = { fromMemory: 0 };
  let reserved = 0;
  for (let i = 0; i < 31; i++) {
    const d = await take(
      () => meter.reserveFromMemory(key),
      () => meter.reserve(key),
      answered,
    );
    if (d?.allowed) reserved++;
  }
  expect(reserved).toBe(30);
  expect(answered.fromMemory).toBeGreaterThan(0);
  // an answer ≥ 400 gives its unit back to this process: memory reserves it again
  meter.settle(key, 500);
  expect(meter.reserveFromMemory(key)).toMatchObject({ allowed: true });
  await meter.close();
});
