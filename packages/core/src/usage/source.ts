import { type Database, type Db, sql, type Transaction } from "@keyflow/db";
import { usageEventsIn } from "./blocks";

const WATERMARK_KEY = "usage_rolled_until";

/**
 * Each rollup recomputes the last hour it had already rolled, so events that reached the table late
 * for that hour get into its bucket. Until then reads take that hour from raw events, so late
 * events are counted at once, and exactly once either way.
 */
export const REROLL_MS = 3_600_000;

/** Hourly buckets before this instant are rolled up (the last one is re-rolled once more, see REROLL_MS). */
export async function rolledUntil(db: Db): Promise<Date> {
  const row = await db
    .selectFrom("settings")
    .select("value")
    .where("key", "=", WATERMARK_KEY)
    .executeTakeFirst();
  return row ? new Date(row.value) : new Date(0);
}

/**
 * Usage in [from, to) as rows `(key_id, at, requests, errors, cost, last_used_at)`: whole final
 * hours (rolled up, and before the re-roll window) from usage_hourly, everything else (edges, the
 * re-roll hour, recent events) from usage_events, never both. So the numbers are exact and never
 * behind the flush interval.
 */
export function usageRows(keyIds: number[], from: Date, to: Date, watermark: Date) {
  const ids = keyIds.length > 0 ? keyIds : [-1];
  const final = new Date(watermark.getTime() - REROLL_MS);
  return sql`(
    select key_id, hour as at, requests, errors, cost, last_used_at
    from usage_hourly
    where key_id = any(${ids}::int[]) and hour >= ${from} and hour + interval '1 hour' <= least(${to}::timestamptz, ${final}::timestamptz)
    union all
    select key_id, at, 1, (status >= 400)::int, case when status < 400 then price else 0 end, at
    from ${usageEventsIn(from, to, ids)}
    where not (date_trunc('hour', at) >= ${from}
               and date_trunc('hour', at) + interval '1 hour' <= least(${to}::timestamptz, ${final}::timestamptz))
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

/** Moves the watermark in the rollup's transaction, so it never gets ahead of the buckets it vouches for. */
export async function setRolledUntil(trx: Transaction<Database>, until: Date) {
  await trx
    .insertInto("settings")
    .values({ key: WATERMARK_KEY, value: until.toISOString() })
    .onConflict((oc) => oc.column("key").doUpdateSet({ value: until.toISOString() }))
    .execute();
}

export interface UsageSources {
  /** the address of the key's latest call (raw events are kept 30 days) */
  lastIp: string | null;
  /** distinct addresses calling in [from, to): a key used from many places may be shared */
  distinctIps: number;
}

/** Where each key's calls came from (SPEC §13), from the raw events. */
export async function usageSources(
  db: Db,
  keyIds: number[],
  from: Date,
  to: Date,
): Promise<Map<number, UsageSources>> {
  const ids = keyIds.length > 0 ? keyIds : [-1];
  const r = await sql<{ key_id: number; last_ip: string | null; distinct_ips: number }>`
    select k.id as key_id,
      -- the newest blocks first: the latest address is in the last block that has one
      (select host(x.ip) from usage_event_blocks b cross join lateral unnest(b.at, b.ip) as x(at, ip)
        where b.key_id = k.id and x.ip is not null order by b.minute desc, x.at desc limit 1) as last_ip,
      coalesce(d.distinct_ips, 0) as distinct_ips
    from unnest(${ids}::int[]) as k(id)
      left join (select key_id, count(distinct ip)::int as distinct_ips from ${usageEventsIn(from, to, ids)}
        group by key_id) d on d.key_id = k.id`.execute(db);
  return new Map(r.rows.map((row) => [row.key_id, { lastIp: row.last_ip, distinctIps: row.distinct_ips }]));
}
