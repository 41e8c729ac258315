import { type Db, sql } from "@keyflow/db";
import { grantQuotaInput } from "@keyflow/schemas";
import type { z } from "zod";
import { keyState, managedKey } from "../apiKeys/keys";
import { recordAudit } from "../audit";
import { badRequest, conflict } from "../errors";
import { enqueueEmailToUser } from "../mail";
import { type Principal, requireUser } from "../principal";
import { parse } from "../validate";
import { quotaPeriodStart } from "./periods";

/**
 * A project manager tops up one key's quota for the current period (SPEC §13): audited, the holder
 * e-mailed, in one transaction. API processes see the new room at their next lease.
 */
export async function grantQuota(db: Db, principal: Principal, input: z.input<typeof grantQuotaInput>) {
  const { keyId, requests } = parse(grantQuotaInput, input);
  const actorId = requireUser(principal);
  const key = await managedKey(db, principal, keyId);
  if (key.quota_requests === null || key.quota_period === null)
    throw badRequest("keyId", "belongs to a template without a quota: set one on the API keys page first");
  const state = keyState(key);
  if (state === "revoked" || state === "expired")
    throw conflict(`The key is ${state}; its quota cannot be topped up`);
  const periodStart = quotaPeriodStart(key.quota_period, new Date());
  return db.transaction().execute(async (trx) => {
    const row = await sql<{ leased: number; granted: number }>`
      insert into quota_usage as q (key_id, period_start, granted) values (${keyId}, ${periodStart}, ${requests})
      on conflict (key_id, period_start) do update set
        granted = q.granted + excluded.granted,
        -- below 100 % again: the holder hears again when it is used up
        notified_100_at = case when q.leased < ${key.quota_requests} + q.granted + excluded.granted
          then null else q.notified_100_at end
      returning leased, granted`
      .execute(trx)
      .then((r) => r.rows[0]!);
    const actor = await trx
      .selectFrom("users")
      .select("name")
      .where("id", "=", actorId)
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      projectId: key.project_id,
      actorId,
      action: "key.quota_grant",
      target: key.template_name,
      details: { keyId, userId: key.user_id, requests, periodStart: periodStart.toISOString() },
    });
    await enqueueEmailToUser(trx, key.user_id, "key_quota_granted", {
      projectId: key.project_id,
      projectName: key.project_name,
      templateName: key.template_name,
      requests,
      byName: actor.name,
    });
    const limit = key.quota_requests! + row.granted;
    return { keyId, limit, remaining: Math.max(0, limit - row.leased), periodStart };
  });
}
