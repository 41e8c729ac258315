import { type Db, sql } from "@keyflow/db";
import { enqueueEmailToUser } from "../mail";
import { periodWords, type QuotaPeriod, quotaPeriodStart, quotaRenewsAt } from "./periods";

export interface QuotaOf {
  keyId: number;
  userId: number;
  requests: number;
  period: QuotaPeriod;
}

export interface QuotaLease {
  /** units handed to the caller: each serves one request answered < 400 (0: used up) */
  granted: number;
  /** quota + top-ups of the period */
  limit: number;
  /** units handed out so far across every API process (spent, or held by one) */
  leased: number;
  periodStart: Date;
  renewsAt: Date | null;
}

/** Holders hear of their quota at these shares of it, once each per period. */
const NOTICES = [
  { share: 0.8, column: "notified_80_at" },
  { share: 1, column: "notified_100_at" },
] as const;

/**
 * Leases up to `want` units of a key's quota for the current period (SPEC §13): one transaction per
 * block, never more than quota + top-ups in total across every API process. Crossing 80 % and 100 %
 * queues the holder's e-mail in the same transaction (once per period: the row remembers it).
 */
export async function leaseQuota(
  db: Db,
  quota: QuotaOf,
  want: number,
  now = new Date(),
): Promise<QuotaLease> {
  const periodStart = quotaPeriodStart(quota.period, now);
  const renewsAt = quotaRenewsAt(quota.period, now);
  return db.transaction().execute(async (trx) => {
    // creates the period's row or locks it: concurrent leases queue here
    const row = await sql<{
      leased: number;
      granted: number;
      notified_80_at: Date | null;
      notified_100_at: Date | null;
    }>`
      insert into quota_usage as q (key_id, period_start) values (${quota.keyId}, ${periodStart})
      on conflict (key_id, period_start) do update set key_id = q.key_id
      returning leased, granted, notified_80_at, notified_100_at`
      .execute(trx)
      .then((r) => r.rows[0]!);
    const limit = quota.requests + row.granted;
    const granted = Math.max(0, Math.min(want, limit - row.leased));
    const leased = row.leased + granted;
    const due = NOTICES.filter((n) => row[n.column] === null && leased >= Math.ceil(limit * n.share));
    if (granted > 0 || due.length > 0) {
      await trx
        .updateTable("quota_usage")
        .set({ leased, ...Object.fromEntries(due.map((n) => [n.column, now])) })
        .where("key_id", "=", quota.keyId)
        .where("period_start", "=", periodStart)
        .execute();
    }
    const last = due.at(-1);
    if (last) {
      const key = await trx
        .selectFrom("api_keys as k")
        .innerJoin("api_key_templates as t", "t.id", "k.template_id")
        .innerJoin("projects as p", "p.id", "k.project_id")
        .select(["k.project_id", "p.name as project_name", "t.name as template_name"])
        .where("k.id", "=", quota.keyId)
        .executeTakeFirstOrThrow();
      await enqueueEmailToUser(trx, quota.userId, "key_quota_warning", {
        projectId: key.project_id,
        projectName: key.project_name,
        templateName: key.template_name,
        percent: Math.round(last.share * 100),
        limit,
        period: periodWords(quota.period),
        renewsAt: renewsAt?.toISOString() ?? null,
      });
    }
    return { granted, limit, leased, periodStart, renewsAt };
  });
}

/** Gives back units a process holds but did not spend (idle, or shutting down), so others can use them. */
export async function returnQuota(db: Db, keyId: number, periodStart: Date, units: number): Promise<void> {
  if (units <= 0) return;
  await db
    .updateTable("quota_usage")
    .set((eb) => ({ leased: sql<number>`greatest(0, ${eb.ref("leased")} - ${units})` }))
    .where("key_id", "=", keyId)
    .where("period_start", "=", periodStart)
    .execute();
}
