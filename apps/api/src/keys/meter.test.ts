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

/**
 * Makes `calls` requests as restAuth does (the memory path first, the leasing path only when memory
 * has no answer): how many were allowed, and how many of the answers came from memory.
 */
async function spend<D extends { allowed: boolean }>(
  calls: number,
  fromMemory: () => D | undefined,
  leasing: () => Promise<D | null>,
) {
  let allowed = 0;
  let answeredFromMemory = 0;
  for (let i = 0; i < calls; i++) {
    const memory = fromMemory();
    if (memory !== undefined) answeredFromMemory++;
    if ((memory ?? (await leasing()))?.allowed) allowed++;
  }
  return { allowed, answeredFromMemory };
}

test("a rate limit of 100/min admits exactly 100, from memory between leases, and refuses the next", async () => {
  // the middle of a minute, held there: the window does not turn during the test
  vi.useFakeTimers({ toFake: ["Date"], now: new Date("2026-12-03T12:00:30Z") });
  const meter = new Meter(h.db);
  const key = { keyId, userId, rateLimitPerMinute: 100, rateLimitMode: "reject" as const, quota: null };
  // nothing leased yet: memory has no answer and counts nothing
  expect(meter.admitFromMemory(key)).toBeUndefined();
  const { allowed, answeredFromMemory } = await spend(
    101,
    () => meter.admitFromMemory(key),
    () => meter.admit(key),
  );
  expect(allowed).toBe(100);
  expect(answeredFromMemory).toBeGreaterThan(0);
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
  const { allowed: reserved, answeredFromMemory } = await spend(
    31,
    () => meter.reserveFromMemory(key),
    () => meter.reserve(key),
  );
  expect(reserved).toBe(30);
  expect(answeredFromMemory).toBeGreaterThan(0);
  // an answer ≥ 400 gives its unit back to this process: memory reserves it again
  meter.settle(key, 500);
  expect(meter.reserveFromMemory(key)).toMatchObject({ allowed: true });
  await meter.close();
});
