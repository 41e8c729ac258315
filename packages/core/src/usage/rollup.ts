import { type Db, sql } from "@keyflow/db";
import { usageEventsIn } from "./blocks";
import { REROLL_MS, rolledUntil, setRolledUntil } from "./source";

const RAW_RETENTION_DAYS = 30;
// events reach the table up to one flush interval late: leave the hour open a little longer
const GRACE_MS = 10_000;

/**
 * Recomputes hourly buckets from raw events for every complete hour since the last run (and the hour
 * before it, to absorb late events: see REROLL_MS). Idempotent: running it twice gives the same
 * buckets. Returns the recomputed range [from, to).
 */
export async function rollupUsage(
  db: Db,
  now = new Date(),
): Promise<{ from: Date; to: Date; buckets: number }> {
  return db.transaction().execute(async (trx) => {
    // one rollup at a time
    await sql`select pg_advisory_xact_lock(hashtext('keyflow_usage_rollup'))`.execute(trx);
    const previous = await rolledUntil(trx);
    const to = new Date(Math.floor((now.getTime() - GRACE_MS) / 3_600_000) * 3_600_000);
    const from = new Date(Math.max(0, previous.getTime() - REROLL_MS));
    if (to <= from) return { from, to, buckets: 0 };
    const r = await sql`
      insert into usage_hourly (key_id, hour, requests, errors, ok, client_error, server_error, rate_limited, denied, cost, last_used_at)
      select key_id, date_trunc('hour', at), count(*), count(*) filter (where status >= 400),
        count(*) filter (where outcome = 'ok'), count(*) filter (where outcome = 'client_error'),
        count(*) filter (where outcome = 'server_error'), count(*) filter (where outcome = 'rate_limited'),
        count(*) filter (where outcome = 'denied'),
        coalesce(sum(price) filter (where status < 400), 0), max(at)
      from ${usageEventsIn(from, to)}
      group by 1, 2
      on conflict (key_id, hour) do update set
        requests = excluded.requests, errors = excluded.errors, ok = excluded.ok,
        client_error = excluded.client_error, server_error = excluded.server_error,
        rate_limited = excluded.rate_limited, denied = excluded.denied,
        cost = excluded.cost, last_used_at = excluded.last_used_at`.execute(trx);
    await setRolledUntil(trx, to);
    // whole blocks, each older than its minute's end: an event is kept at most a minute longer
    await sql`delete from usage_event_blocks
      where minute < date_trunc('minute', ${new Date(now.getTime() - RAW_RETENTION_DAYS * 86_400_000)}::timestamptz, 'UTC')`.execute(
      trx,
    );
    return { from, to, buckets: Number(r.numAffectedRows ?? 0) };
  });
}
