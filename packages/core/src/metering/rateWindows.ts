import { type Db, sql } from "@keyflow/db";
import { RATE_WINDOW_MS } from "./periods";

export interface RateLease {
  /** units of the minute's budget handed to the caller (0: none left now) */
  granted: number;
  /** the window's count after the lease, across every API process */
  used: number;
  /** the previous window's count, weighed into the budget as the current minute goes on */
  previous: number;
}

/**
 * Leases up to `want` units of a key's per-minute budget (SPEC §13). The budget is a sliding minute:
 * `limit − previous window × the part of it still inside the last 60 s − this window's count`. One
 * statement; the window row's lock orders concurrent leases from every API process, so the count
 * never passes the budget.
 */
export async function leaseRate(
  db: Db,
  keyId: number,
  limit: number,
  want: number,
  nowMs = Date.now(),
): Promise<RateLease> {
  const windowStart = Math.floor(nowMs / RATE_WINDOW_MS) * RATE_WINDOW_MS;
  const weight = 1 - (nowMs - windowStart) / RATE_WINDOW_MS;
  const { rows } = await sql<{ used: number; last_grant: number; previous: number }>`
    with prev as (
      select coalesce((select used from rate_windows
        where key_id = ${keyId} and window_start = ${new Date(windowStart - RATE_WINDOW_MS)}), 0) as used
    ), room as (
      select used as previous, greatest(0, ${limit} - floor(used * ${weight}::float8))::int as budget from prev
    )
    insert into rate_windows as w (key_id, window_start, used, last_grant)
    select ${keyId}, ${new Date(windowStart)}, least(${want}::int, budget), least(${want}::int, budget) from room
    on conflict (key_id, window_start) do update set
      used = w.used + greatest(0, least(${want}::int, (select budget from room) - w.used)),
      last_grant = greatest(0, least(${want}::int, (select budget from room) - w.used))
    returning used, last_grant, (select previous from room) as previous`.execute(db);
  const row = rows[0]!;
  return { granted: row.last_grant, used: row.used, previous: row.previous };
}

/** Windows older than the sliding minute are of no use: dropped now and then by the API processes. */
export async function dropOldRateWindows(db: Db, nowMs = Date.now()): Promise<void> {
  await db
    .deleteFrom("rate_windows")
    .where("window_start", "<", new Date(nowMs - 3 * RATE_WINDOW_MS))
    .execute();
}
