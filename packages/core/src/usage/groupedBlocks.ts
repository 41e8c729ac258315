import { sql } from "@keyflow/db";
import { dictionaryArray, numberArray, textArray } from "./arrayLiteral";
import type { UsageColumns } from "./columns";

const MINUTE_MS = 60_000;

/** The string columns of an event, with the type of their block array. */
const STRINGS = { method: "text", route: "text", outcome: "text", price: "numeric", ip: "inet" } as const;
type StringColumn = keyof typeof STRINGS;
const STRING_COLUMNS = Object.keys(STRINGS) as StringColumn[];

/**
 * The insert of a flush's events as blocks grouped here, by key and UTC minute, each in order of
 * arrival. PostgreSQL then builds each block's arrays from literals, where `insertUsageBlocks`
 * (which a write batch needs, for its filter per package) has it unnest, sort and aggregate every
 * event. A string column that holds one value throughout a block (a key's price; mostly also its
 * method, route, outcome and address) is sent once and filled; any other as a dictionary and
 * positions. A flush of 17 000 events: 35 → 17 ms of PostgreSQL's execution (42 → 23 ms for the
 * whole `recordUsage`), on the cores the API shares; (b) and (e) 4 % faster beside the same API
 * without it.
 */
export function insertGroupedBlocks(cols: UsageColumns) {
  const blocks: { keyId: number; minute: number; events: number[] }[] = [];
  const byId = new Map<string, (typeof blocks)[number]>();
  let last: (typeof blocks)[number] | undefined;
  for (let i = 0; i < cols.keyId.length; i++) {
    const keyId = cols.keyId[i]!;
    const minute = Math.floor(cols.atMs[i]! / MINUTE_MS) * MINUTE_MS;
    // a key's requests mostly come in a row: no lookup for the block of the event before
    if (last?.keyId !== keyId || last.minute !== minute) {
      const id = `${keyId} ${minute}`;
      last = byId.get(id);
      if (!last) {
        last = { keyId, minute, events: [] };
        byId.set(id, last);
        blocks.push(last);
      }
    }
    last.events.push(i);
  }

  const of = <T>(f: (b: (typeof blocks)[number]) => T) => blocks.map(f);
  const strings = Object.fromEntries(
    STRING_COLUMNS.map((c) => {
      const encoded = of((b) => encodeStrings(b.events.map((i) => cols[c][i] ?? null)));
      return [
        c,
        {
          values: textArray(
            encoded.map((e) => e.values),
            false,
          ),
          index: textArray(
            encoded.map((e) => e.index),
            false,
          ),
        },
      ];
    }),
  ) as Record<StringColumn, { values: string; index: string }>;
  const column = (c: StringColumn) => sql.raw(c);
  const filled = (c: StringColumn) =>
    sql`case when b.${sql.raw(`${c}_index`)} = '{}' then array_fill(d.${column(c)}[1], array[b.n])
      else array(select d.${column(c)}[x.i] from unnest(b.${sql.raw(`${c}_index`)}::int[]) with ordinality as x(i, n)
        order by x.n) end`;

  return sql`insert into usage_event_blocks (key_id, minute, at, method, route, status, outcome, duration_ms,
      price, ip)
    select b.key_id, 'epoch'::timestamptz + b.minute_ms * interval '1 millisecond',
      array(select 'epoch'::timestamptz + (b.minute_ms + x.ms) * interval '1 millisecond'
        from unnest(b.at::float8[]) with ordinality as x(ms, n) order by x.n),
      ${filled("method")}, ${filled("route")}, b.status::smallint[], ${filled("outcome")}, b.duration_ms::real[],
      ${filled("price")}, ${filled("ip")}
    from unnest(${numberArray(of((b) => b.keyId))}::int[], ${numberArray(of((b) => b.minute))}::float8[],
        ${numberArray(of((b) => b.events.length))}::int[],
        ${textArray(
          of((b) => numberArray(b.events.map((i) => cols.atMs[i]! - b.minute))),
          false,
        )}::text[],
        ${textArray(
          of((b) => numberArray(b.events.map((i) => cols.status[i]!))),
          false,
        )}::text[],
        ${textArray(
          of((b) => numberArray(b.events.map((i) => cols.durationMs[i]!))),
          false,
        )}::text[],
        ${sql.join(STRING_COLUMNS.flatMap((c) => [sql`${strings[c].values}::text[]`, sql`${strings[c].index}::text[]`]))})
      as b(key_id, minute_ms, n, at, status, duration_ms,
        ${sql.raw(STRING_COLUMNS.flatMap((c) => [`${c}_values`, `${c}_index`]).join(", "))})
      cross join lateral (select
        ${sql.join(STRING_COLUMNS.map((c) => sql`b.${sql.raw(`${c}_values`)}::${sql.raw(STRINGS[c])}[] as ${column(c)}`))}) d`;
}

/** One block's column: its one value and no positions (`{}`) when it never changes, else a dictionary. */
function encodeStrings(values: (string | null)[]): { values: string; index: string } {
  const first = values[0] ?? null;
  if (values.every((v) => v === first)) return { values: textArray([first]), index: "{}" };
  return dictionaryArray(values);
}
