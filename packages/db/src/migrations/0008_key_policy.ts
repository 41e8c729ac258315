import { type Kysely, sql } from "kysely";

// Roll with grace, approval policy and expiry notices (SPEC §12).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table api_keys
      -- a roll keeps the old token's hash: it works until previous_token_until, then is told "rolled"
      add column previous_token_hash bytea,
      add column previous_token_until timestamptz,
      add column rolled_at timestamptz,
      add column rolled_by integer references users on delete set null,
      -- expiry notices, each sent at most once per key (the cron task is idempotent through these)
      add column notified_7d_at timestamptz,
      add column notified_1d_at timestamptz,
      add column notified_expired_at timestamptz;
    create unique index api_keys_previous_token_hash on api_keys (previous_token_hash)
      where previous_token_hash is not null;
    -- the expiry task scans keys with an expiry still to announce
    create index api_keys_expiry_pending on api_keys (expires_at)
      where expires_at is not null and revoked_at is null and notified_expired_at is null;

    alter table api_key_templates
      add column approval text not null default 'manual' check (approval in ('manual', 'auto')),
      add column max_ttl_days integer check (max_ttl_days > 0),
      add column request_questions jsonb not null default '[]';

    alter table key_requests
      add column answers jsonb not null default '{}',
      -- the expiry a manager chose at approval (null: the template's default)
      add column expires_at timestamptz;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table key_requests drop column answers, drop column expires_at;
    alter table api_key_templates drop column approval, drop column max_ttl_days, drop column request_questions;
    drop index api_keys_expiry_pending;
    drop index api_keys_previous_token_hash;
    alter table api_keys
      drop column previous_token_hash, drop column previous_token_until, drop column rolled_at,
      drop column rolled_by, drop column notified_7d_at, drop column notified_1d_at,
      drop column notified_expired_at;
  `.execute(db);
}
