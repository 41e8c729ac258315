import { sql, type UsageOutcome } from "@keyflow/db";
import { dictionaryArray, numberArray } from "./arrayLiteral";

export interface UsageEvent {
  keyId: number;
  at: Date;
  method: string;
  route: string;
  status: number;
  outcome: UsageOutcome;
  durationMs: number;
  price: string;
  /** the caller's address (null when unknown) */
  ip?: string | null;
}

/**
 * Usage events as columns, one array per field, as the API buffers them between flushes. An event
 * buffered is then a few array slots (numbers, and strings the process already holds) rather than
 * an object and a Date that live until the flush: each of those was copied by every young-generation
 * GC it lived through, and serializing Dates was a quarter of the flush.
 */
export interface UsageColumns {
  keyId: number[];
  /** milliseconds since the epoch */
  atMs: number[];
  method: string[];
  route: string[];
  status: number[];
  outcome: UsageOutcome[];
  durationMs: number[];
  price: string[];
  ip: (string | null)[];
}

export const usageColumns = (): UsageColumns => ({
  keyId: [],
  atMs: [],
  method: [],
  route: [],
  status: [],
  outcome: [],
  durationMs: [],
  price: [],
  ip: [],
});

export function appendUsage(cols: UsageColumns, e: UsageEvent) {
  cols.keyId.push(e.keyId);
  cols.atMs.push(e.at.getTime());
  cols.method.push(e.method);
  cols.route.push(e.route);
  cols.status.push(e.status);
  cols.outcome.push(e.outcome);
  cols.durationMs.push(e.durationMs);
  cols.price.push(e.price);
  cols.ip.push(e.ip ?? null);
}

export function toUsageColumns(events: UsageEvent[]): UsageColumns {
  const cols = usageColumns();
  for (const e of events) appendUsage(cols, e);
  return cols;
}

/** Every field of `later` after `earlier`'s, keeping the last `max` events. */
export function concatUsage(earlier: UsageColumns, later: UsageColumns, max: number): UsageColumns {
  const out = usageColumns();
  for (const field of Object.keys(out) as (keyof UsageColumns)[])
    (out[field] as unknown[]) = (earlier[field] as unknown[]).concat(later[field]).slice(-max);
  return out;
}

/** Drops the oldest `n` events. */
export function dropOldestUsage(cols: UsageColumns, n: number) {
  for (const field of Object.keys(cols) as (keyof UsageColumns)[]) cols[field].splice(0, n);
}

/**
 * The events as the rows of `u(key_id, at, method, route, status, outcome, duration_ms, price, ip,
 * ord)`: one array parameter per column (the recurring strings as a dictionary and positions in it),
 * so a statement's text is the same for any number of events (and can be prepared). `ord` is the
 * 1-based position of the event's request in a batch, if any.
 */
export function usageEventRows(cols: UsageColumns, ord: number[] = []) {
  const [method, route, outcome, price, ip] = [
    cols.method,
    cols.route,
    cols.outcome,
    cols.price,
    cols.ip,
  ].map(dictionaryArray) as [Dictionary, Dictionary, Dictionary, Dictionary, Dictionary];
  return sql`(select e.key_id, 'epoch'::timestamptz + e.at_ms * interval '1 millisecond' as at,
      d.method[e.method] as method, d.route[e.route] as route, e.status, d.outcome[e.outcome] as outcome,
      e.duration_ms, d.price[e.price] as price, d.ip[e.ip] as ip, e.ord
    from (select ${method.values}::text[] as method, ${route.values}::text[] as route,
        ${outcome.values}::text[] as outcome, ${price.values}::numeric[] as price, ${ip.values}::inet[] as ip) d,
      unnest(${numberArray(cols.keyId)}::int[], ${numberArray(cols.atMs)}::float8[], ${method.index}::int[],
        ${route.index}::int[], ${numberArray(cols.status)}::int[], ${outcome.index}::int[],
        ${numberArray(cols.durationMs)}::real[], ${price.index}::int[], ${ip.index}::int[], ${numberArray(ord)}::bigint[])
      as e(key_id, at_ms, method, route, status, outcome, duration_ms, price, ip, ord)) as u`;
}

type Dictionary = ReturnType<typeof dictionaryArray>;
