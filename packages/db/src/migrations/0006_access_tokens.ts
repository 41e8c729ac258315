import { type Kysely, sql } from "kysely";

// Personal access tokens of internal tools (SPEC §14): only SHA-256(token) is stored, never the token.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table access_tokens (
      id serial primary key,
      user_id integer not null references users on delete cascade,
      name text not null,
      token_hash bytea not null,
      -- "kfp_AbC1": tells tokens apart in the Account page
      token_start text not null,
      created_at timestamptz not null default now(),
      expires_at timestamptz,
      -- written at most once a minute per token
      last_used_at timestamptz,
      revoked_at timestamptz
    );
    create unique index access_tokens_token_hash_key on access_tokens (token_hash);
    create index access_tokens_user_idx on access_tokens (user_id, id);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table access_tokens`.execute(db);
}
