import { sql } from "@keyflow/db";
import { createTestDatabase, type TestDatabase } from "@keyflow/db/testing";
import { TASKS } from "@keyflow/schemas";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { apiKeys, metering, userPrincipal } from "../src/index";
import { keyService } from "./fixtures";

// Leases of SPEC §13 against real PostgreSQL: whatever the concurrency, the counts never pass the
// limit or the quota, and the holder's 80 % / 100 % e-mails are queued once per period.

let t: TestDatabase;
beforeEach(async () => {
  t = await createTestDatabase();
});
afterEach(async () => {
  await t.destroy();
});

async function keyHolder() {
  const service = await keyService(t.db);
  const { user: holder, keyId } = await service.holder("holder");
  return { keyId, holder, owner: service.owner, templateId: service.template.id };
}

/** Warning e-mails queued for the holder, as `percent` values. */
async function quotaWarnings(to: string) {
  const r = await sql<{ payload: { to: string; template: string; data: { percent: number } } }>`
    select j.payload from graphile_worker._private_jobs j
    join graphile_worker._private_tasks t on t.id = j.task_id
    where t.identifier = ${TASKS.sendEmail} order by j.id`.execute(t.db);
  return r.rows
    .map((row) => row.payload)
    .filter((p) => p.to === to && p.template === "key_quota_warning")
    .map((p) => p.data.percent);
}

describe("rate windows", () => {
  test("concurrent leases never hand out more than the minute's budget", async () => {
    const { keyId } = await keyHolder();
    const now = Date.parse("2026-12-02T10:00:30Z");
    const leases = await Promise.all(
      Array.from({ length: 40 }, () => metering.leaseRate(t.db, keyId, 60, 7, now)),
    );
    expect(leases.reduce((n, l) => n + l.granted, 0)).toBe(60);
    expect(Math.max(...leases.map((l) => l.used))).toBe(60);
    expect((await metering.leaseRate(t.db, keyId, 60, 5, now)).granted).toBe(0);
  });

  test("the previous minute weighs in as it slides out", async () => {
    const { keyId } = await keyHolder();
    const full = Date.parse("2026-12-02T10:00:50Z");
    expect((await metering.leaseRate(t.db, keyId, 60, 60, full)).granted).toBe(60);
    // 15 s into the next minute, 45 s of the previous one still count: 60 × 0.75 = 45 of 60 taken
    const next = Date.parse("2026-12-02T10:01:15Z");
    const lease = await metering.leaseRate(t.db, keyId, 60, 60, next);
    expect(lease).toEqual({ granted: 15, used: 15, previous: 60 });
  });
});

describe("quotas", () => {
  test("concurrent blocks add up to exactly the quota; units given back can be leased again", async () => {
    const { keyId, holder } = await keyHolder();
    const quota = { keyId, userId: holder.id, requests: 100, period: "day" as const };
    const leases = await Promise.all(Array.from({ length: 30 }, () => metering.leaseQuota(t.db, quota, 7)));
    expect(leases.reduce((n, l) => n + l.granted, 0)).toBe(100);
    expect((await metering.leaseQuota(t.db, quota, 5)).granted).toBe(0);

    const { periodStart } = leases[0]!;
    await metering.returnQuota(t.db, keyId, periodStart, 3);
    expect((await metering.leaseQuota(t.db, quota, 5)).granted).toBe(3);
    // 80 % and 100 % were each announced once, however many leases crossed them
    expect((await quotaWarnings(holder.email)).sort()).toEqual([100, 80]);
  });

  test("a new period starts from zero and warns again; a total quota never renews", async () => {
    const { keyId, holder } = await keyHolder();
    const day = { keyId, userId: holder.id, requests: 10, period: "day" as const };
    const first = await metering.leaseQuota(t.db, day, 10, new Date("2026-12-01T23:59:00Z"));
    expect(first.granted).toBe(10);
    expect(first.renewsAt).toEqual(new Date("2026-12-02T00:00:00Z"));
    const next = await metering.leaseQuota(t.db, day, 10, new Date("2026-12-02T00:00:01Z"));
    expect(next.granted).toBe(10);
    // one lease crossing both marks sends only the 100 % notice (the 80 % one would be stale news)
    expect(await quotaWarnings(holder.email)).toEqual([100, 100]);

    const total = { ...day, period: "total" as const };
    const lease = await metering.leaseQuota(t.db, total, 3);
    expect(lease.renewsAt).toBeNull();
    expect(lease.periodStart).toEqual(new Date(0));
  });

  test("a top-up adds room for the current period only, audited, the holder e-mailed", async () => {
    const { keyId, holder, owner, templateId } = await keyHolder();
    const as = userPrincipal(owner.id);
    await apiKeys.updateTemplate(t.db, as, { templateId, quota: { requests: 5, period: "month" } });
    const quota = { keyId, userId: holder.id, requests: 5, period: "month" as const };
    expect((await metering.leaseQuota(t.db, quota, 10)).granted).toBe(5);
    const granted = await metering.grantQuota(t.db, as, { keyId, requests: 20 });
    expect(granted).toMatchObject({ keyId, limit: 25, remaining: 20 });
    const after = await metering.leaseQuota(t.db, quota, 50);
    expect(after).toMatchObject({ granted: 20, limit: 25, leased: 25 });
    const audit = await t.db
      .selectFrom("audit_log")
      .select(["action", "details"])
      .where("action", "=", "key.quota_grant")
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.details).toMatchObject({ keyId, requests: 20 });
  });
});
