import { type Kysely, sql } from "kysely";

// Usage events kept as blocks (issue 8): one row per key and UTC minute of each write (a flush of
// buffered events, or a batch of package writes), each field an array with one element per event.
// One request is still one event with its own time, status, duration and address (SPEC §7); what
// changes is the cost of storing it: a row and three index entries per request cost PostgreSQL
// ≈ 10 µs of CPU per event against ≈ 3 µs as part of a block, and ≈ 200 bytes against ≈ 30.
// The view `usage_events` shows them one row per event, as the table did.
const FIELDS = "at, method, route, status, outcome, duration_ms, price, ip";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table usage_event_blocks (
      id bigserial primary key,
      key_id integer not null references api_keys on delete cascade,
      -- date_trunc('minute', at, 'UTC') of every event in the block: reads and the retention
      -- find blocks by it
      minute timestamptz not null,
      at timestamptz[] not null,
      method text[] not null,
      route text[] not null,
      status smallint[] not null,
      outcome text[] not null,
      duration_ms real[] not null,
      price numeric(14, 6)[] not null,
      ip inet[] not null,
      constraint usage_event_blocks_aligned check (
        cardinality(at) > 0 and cardinality(method) = cardinality(at) and cardinality(route) = cardinality(at)
        and cardinality(status) = cardinality(at) and cardinality(outcome) = cardinality(at)
        and cardinality(duration_ms) = cardinality(at) and cardinality(price) = cardinality(at)
        and cardinality(ip) = cardinality(at)),
      constraint usage_event_blocks_outcomes check (
        outcome <@ array['ok', 'client_error', 'server_error', 'rate_limited', 'denied'])
    );
    create index usage_event_blocks_key_minute_idx on usage_event_blocks (key_id, minute);
    create index usage_event_blocks_minute_idx on usage_event_blocks (minute);

    insert into usage_event_blocks (key_id, minute, ${sql.raw(FIELDS)})
    select key_id, date_trunc('minute', at, 'UTC'), array_agg(at order by id), array_agg(method order by id),
      array_agg(route order by id), array_agg(status order by id), array_agg(outcome order by id),
      array_agg(duration_ms order by id), array_agg(price order by id), array_agg(ip order by id)
    from usage_events
    group by key_id, date_trunc('minute', at, 'UTC');
    drop table usage_events;

    -- one row per event, for reading by hand and in tests; core reads blocks by minute first
    create view usage_events as
    select b.key_id, e.at, e.method, e.route, e.status, e.outcome, e.duration_ms, e.price, e.ip
    from usage_event_blocks b
      cross join lateral unnest(b.at, b.method, b.route, b.status, b.outcome, b.duration_ms, b.price, b.ip)
        as e(${sql.raw(FIELDS)});
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table usage_events_rows (
      id bigserial primary key,
      key_id integer not null references api_keys on delete cascade,
      at timestamptz not null,
      method text not null,
      route text not null,
      status smallint not null,
      outcome text not null check (outcome in ('ok', 'client_error', 'server_error', 'rate_limited', 'denied')),
      duration_ms real not null,
      price numeric(14, 6) not null,
      ip inet
    );
    insert into usage_events_rows (key_id, ${sql.raw(FIELDS)})
    select key_id, ${sql.raw(FIELDS)} from usage_events order by at;
    drop view usage_events;
    drop table usage_event_blocks;
    alter table usage_events_rows rename to usage_events;
    alter sequence usage_events_rows_id_seq rename to usage_events_id_seq;
    alter index usage_events_rows_pkey rename to usage_events_pkey;
    create index usage_events_key_at_idx on usage_events (key_id, at);
    create index usage_events_at_idx on usage_events (at);
  `.execute(db);
}
