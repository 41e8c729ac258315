import { type Kysely, sql } from "kysely";

// Metering across API processes (SPEC §13): global rate limits, exact quotas, wait mode, source IPs.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table api_key_templates
      add column rate_limit_mode text not null default 'reject' check (rate_limit_mode in ('reject', 'wait')),
      add column quota_requests integer check (quota_requests > 0),
      add column quota_period text check (quota_period in ('day', 'month', 'total')),
      add constraint api_key_templates_quota_whole check ((quota_requests is null) = (quota_period is null));

    -- a key's per-minute budget, leased to API processes in slices: used never passes the limit.
    -- Unlogged: a crash of PostgreSQL forgets at most the current minute's counts.
    create unlogged table rate_windows (
      key_id integer not null,
      window_start timestamptz not null,
      used integer not null,
      last_grant integer not null,
      primary key (key_id, window_start)
    );

    -- a key's quota in one period ('epoch' for a 'total' quota): units leased to API processes
    -- (spent, or held by a process and given back when unused) never pass quota + granted
    create table quota_usage (
      key_id integer not null references api_keys on delete cascade,
      period_start timestamptz not null,
      leased integer not null default 0 check (leased >= 0),
      granted integer not null default 0 check (granted >= 0),
      notified_80_at timestamptz,
      notified_100_at timestamptz,
      primary key (key_id, period_start)
    );

    alter table usage_events add column ip inet;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table usage_events drop column ip;
    drop table quota_usage;
    drop table rate_windows;
    alter table api_key_templates drop constraint api_key_templates_quota_whole,
      drop column rate_limit_mode, drop column quota_requests, drop column quota_period;
  `.execute(db);
}
