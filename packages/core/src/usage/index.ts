import { type Db, prepared, sql } from "@keyflow/db";
import { issuedInput, seriesInput } from "@keyflow/schemas";
import type { z } from "zod";
import { loadAccess } from "../access";
import { keyState } from "../apiKeys/keys";
import { badRequest, notFound } from "../errors";
import { type Principal, requireUser } from "../principal";
import { parse } from "../validate";
import { toUsageColumns, type UsageColumns, type UsageEvent } from "./columns";
import { insertGroupedBlocks } from "./groupedBlocks";
import { rolledUntil, usageRows, usageSources, usageTotals } from "./source";

export {
  appendUsage,
  concatUsage,
  dropOldestUsage,
  type UsageColumns,
  type UsageEvent,
  usageColumns,
} from "./columns";
export { rollupUsage } from "./rollup";
export { type UsageTotals, usageTotals } from "./source";

/** Writes a batch of events in one statement (the API buffers them; see SPEC §7). */
export async function recordUsage(db: Db, events: UsageEvent[] | UsageColumns): Promise<void> {
  const cols = Array.isArray(events) ? toUsageColumns(events) : events;
  if (cols.keyId.length === 0) return;
  await sql`${prepared("record_usage")}
    ${insertGroupedBlocks(cols)}`.execute(db);
}

/** The owner's table of issued keys with usage in [from, to) (SPEC §3.4). */
export async function issued(db: Db, principal: Principal, input: z.input<typeof issuedInput>) {
  const data = parse(issuedInput, input);
  (await loadAccess(db, principal, data.projectId)).require("project_manage");
  const base = db.selectFrom("api_keys as k").where("k.project_id", "=", data.projectId);
  const { total } = await base.select(sql<number>`count(*)`.as("total")).executeTakeFirstOrThrow();
  const keys = await base
    .innerJoin("api_key_templates as t", "t.id", "k.template_id")
    .innerJoin("users as u", "u.id", "k.user_id")
    .select([
      "k.id",
      "k.token_start",
      "t.name as template_name",
      "u.id as user_id",
      "u.name as user_name",
      "u.email as user_email",
      "k.created_at",
      "k.expires_at",
      "k.revoked_at",
      "k.suspended_at",
      "k.suspend_reason",
      "t.quota_requests",
      "t.quota_period",
    ])
    .orderBy("k.id", "desc")
    .limit(data.pageSize)
    .offset((data.page - 1) * data.pageSize)
    .execute();
  const ids = keys.map((k) => k.id);
  const [inPeriod, ever, sources] = await Promise.all([
    usageTotals(db, ids, data.from, data.to),
    usageTotals(db, ids, new Date(0), new Date(Date.now() + 60_000)),
    usageSources(db, ids, data.from, data.to),
  ]);
  return {
    total,
    rows: keys.map((k) => ({
      keyId: k.id,
      tokenStart: k.token_start,
      templateName: k.template_name,
      user: { id: k.user_id, name: k.user_name, email: k.user_email },
      receivedAt: k.created_at,
      expiresAt: k.expires_at,
      requests: inPeriod.get(k.id)?.requests ?? 0,
      errors: inPeriod.get(k.id)?.errors ?? 0,
      cost: inPeriod.get(k.id)?.cost ?? "0",
      lastUsedAt: ever.get(k.id)?.lastUsedAt ?? null,
      lastIp: sources.get(k.id)?.lastIp ?? null,
      distinctIps: sources.get(k.id)?.distinctIps ?? 0,
      /** the template's quota (null: none), for a top-up */
      quota:
        k.quota_requests !== null && k.quota_period !== null
          ? { requests: k.quota_requests, period: k.quota_period }
          : null,
      state: keyState(k),
      suspendReason: keyState(k) === "suspended" ? k.suspend_reason : null,
    })),
  };
}

/** Keys whose usage the caller may see: a manager sees the project's, a holder their own. */
async function seriesKeys(db: Db, principal: Principal, data: { keyId?: number; projectId?: number }) {
  const userId = requireUser(principal);
  if (data.projectId !== undefined) {
    (await loadAccess(db, principal, data.projectId)).require("project_manage");
    const rows = await db
      .selectFrom("api_keys")
      .select("id")
      .where("project_id", "=", data.projectId)
      .execute();
    return rows.map((r) => r.id);
  }
  const key = await db
    .selectFrom("api_keys")
    .select(["id", "user_id", "project_id"])
    .where("id", "=", data.keyId!)
    .executeTakeFirst();
  if (!key) throw notFound("API key");
  if (key.user_id !== userId)
    (await loadAccess(db, principal, key.project_id, "API key")).require("project_manage");
  return [key.id];
}

/**
 * An IANA zone name the runtime knows, aliases included: `Intl.supportedValuesOf` lists only
 * canonical names (Node 20 lists Asia/Calcutta, while browsers send Asia/Kolkata). Offsets such as
 * "+05:30" are refused: PostgreSQL reads them as POSIX zones, with the sign inverted.
 */
function isIanaZone(tz: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(tz)) return false;
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Requests and errors per hour or per day (in the caller's time zone) for a chart. */
export async function series(db: Db, principal: Principal, input: z.input<typeof seriesInput>) {
  const data = parse(seriesInput, input);
  if (!isIanaZone(data.timeZone)) {
    throw badRequest("timeZone", "must be an IANA time zone such as Europe/Berlin");
  }
  const keyIds = await seriesKeys(db, principal, data);
  const watermark = await rolledUntil(db);
  const r = await sql<{ t: Date; requests: number; errors: number }>`
    select (date_trunc(${data.bucket}, u.at at time zone ${data.timeZone}) at time zone ${data.timeZone}) as t,
      sum(u.requests)::int as requests, sum(u.errors)::int as errors
    from ${usageRows(keyIds, data.from, data.to, watermark)} u
    group by 1 order by 1`.execute(db);
  return { bucket: data.bucket, timeZone: data.timeZone, points: r.rows };
}
