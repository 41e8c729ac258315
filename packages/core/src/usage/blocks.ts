import { type RawBuilder, sql } from "@keyflow/db";

/**
 * Usage events are stored as blocks (migration 0010): one row of `usage_event_blocks` per key and
 * UTC minute of each write, one array element per event. These are the ways in (also
 * `groupedBlocks.ts`, a flush's events grouped before they are sent) and out.
 */

/**
 * The insert of events given as rows `u(key_id, at, method, …)` (core's `usageEventRows`), those
 * passing `where` (on `u`): one block per key and minute among them.
 */
export function insertUsageBlocks(events: RawBuilder<unknown>, where: RawBuilder<unknown> = sql``) {
  return sql`insert into usage_event_blocks (key_id, minute, at, method, route, status, outcome, duration_ms,
      price, ip)
    select u.key_id, date_trunc('minute', u.at, 'UTC'), array_agg(u.at), array_agg(u.method), array_agg(u.route),
      array_agg(u.status)::smallint[], array_agg(u.outcome), array_agg(u.duration_ms), array_agg(u.price),
      array_agg(u.ip)
    from ${events} ${where}
    group by u.key_id, date_trunc('minute', u.at, 'UTC')`;
}

/**
 * The events of [from, to), of the given keys (all keys when omitted), as a relation `e(key_id,
 * at, method, route, status, outcome, duration_ms, price, ip)`: blocks are found by their minute
 * (an index), then only their events in the range are kept.
 */
export function usageEventsIn(from: Date, to: Date, keyIds?: number[]) {
  const keys = keyIds ? sql`and b.key_id = any(${keyIds}::int[])` : sql``;
  return sql`(select b.key_id, x.at, x.method, x.route, x.status, x.outcome, x.duration_ms, x.price, x.ip
    from usage_event_blocks b
      cross join lateral unnest(b.at, b.method, b.route, b.status, b.outcome, b.duration_ms, b.price, b.ip)
        as x(at, method, route, status, outcome, duration_ms, price, ip)
    where b.minute >= date_trunc('minute', ${from}::timestamptz, 'UTC') and b.minute < ${to}::timestamptz ${keys}
      and x.at >= ${from}::timestamptz and x.at < ${to}::timestamptz) as e`;
}
