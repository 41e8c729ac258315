import { type Db, sql } from "@keyflow/db";

const WATERMARK_KEY = "usage_rolled_until";

/** Hourly buckets before this instant are complete; later events are read raw. */
export async function rolledUntil(db: Db): Promise<Date> {
  const row = await db
    .selectFrom("settings")
    .select("value")
    .where("key", "=", WATERMARK_KEY)
    .executeTakeFirst();
  return row ? new Date(row.value) : new Date(0);
}

/**
 * Usage in [from, to) as rows `(key_id, at, requests, errors, cost, last_used_at)`: whole rolled-up
 * hours from usage_hourly, everything else (edges, recent events) from usage_events, never both.
 * So the numbers are exact and never behind the flush interval.
 */
export function usageRows(keyIds: number[], from: Date, to: Date, watermark: Date) {
  const ids = keyIds.length > 0 ? keyIds : [-1];
  return sql`(
    select key_id, hour as at, requests, errors, cost, last_used_at
    from usage_hourly
    where key_id = any(${ids}::int[]) and hour >= ${from} and hour + interval '1 hour' <= least(${to}::timestamptz, ${watermark}::timestamptz)
    union all
    select key_id, at, 1, (status >= 400)::int, case when status < 400 then price else 0 end, at
    from usage_events
    where key_id = any(${ids}::int[]) and at >= ${from} and at < ${to}
      and not (date_trunc('hour', at) >= ${from}
               and date_trunc('hour', at) + interval '1 hour' <= least(${to}::timestamptz, ${watermark}::timestamptz))
  )`;
}

export interface UsageTotals {
  requests: number;
  errors: number;
  cost: string;
  lastUsedAt: Date | null;
}

/** Totals per key for [from, to). */
export async function usageTotals(
  db: Db,
  keyIds: number[],
  from: Date,
  to: Date,
): Promise<Map<number, UsageTotals>> {
  const watermark = await rolledUntil(db);
  const r = await sql<{
    key_id: number;
    requests: number;
    errors: number;
    cost: string;
    last_used_at: Date | null;
  }>`
    select key_id, sum(requests)::int as requests, sum(errors)::int as errors,
      coalesce(sum(cost), 0)::text as cost, max(last_used_at) as last_used_at
    from ${usageRows(keyIds, from, to, watermark)} u
    group by key_id`.execute(db);
  return new Map(
    r.rows.map((row) => [
      row.key_id,
      {
        requests: row.requests,
        errors: row.errors,
        cost: trimDecimal(row.cost),
        lastUsedAt: row.last_used_at,
      },
    ]),
  );
}

/** "12.500000" → "12.5" */
export function trimDecimal(s: string): string {
  return s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s;
}

export async function setRolledUntil(db: Db, until: Date) {
  await db
    .insertInto("settings")
    .values({ key: WATERMARK_KEY, value: until.toISOString() })
    .onConflict((oc) => oc.column("key").doUpdateSet({ value: until.toISOString() }))
    .execute();
}
