import { type Kysely, sql } from "kysely";

// API key templates, requests, issued keys, usage events and hourly rollups, settings.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- server-wide settings, e.g. the master-secret check value
    create table settings (
      key text primary key,
      value text not null
    );

    create table api_key_templates (
      id serial primary key,
      project_id integer not null references projects on delete cascade,
      name text not null,
      description text not null default '',
      -- null only for deleted templates: a role used by a live template cannot be deleted
      role_id integer references roles on delete set null,
      price_per_request numeric(14, 6) not null default 0 check (price_per_request >= 0),
      rate_limit_per_minute integer check (rate_limit_per_minute > 0),
      key_ttl_days integer check (key_ttl_days > 0),
      allow_shared_layers boolean not null default false,
      created_at timestamptz not null default now(),
      deleted_at timestamptz
    );
    -- soft-deleted templates free their name
    create unique index api_key_templates_name_key on api_key_templates (project_id, lower(name)) where deleted_at is null;
    create index api_key_templates_role_idx on api_key_templates (role_id);

    create table api_key_template_fields (
      id serial primary key,
      template_id integer not null references api_key_templates on delete cascade,
      name text not null,
      description text not null default '',
      value text not null default '',
      -- set by "insert node ID"; from_node stays true after the node is deleted, so the tile can say so
      node_id integer references nodes on delete set null,
      from_node boolean not null default false,
      created_at timestamptz not null default now(),
      unique (template_id, name)
    );

    create table key_requests (
      id serial primary key,
      project_id integer not null references projects on delete cascade,
      template_id integer not null references api_key_templates on delete cascade,
      user_id integer not null references users on delete cascade,
      message text not null default '',
      status text not null check (status in ('pending', 'approved', 'rejected', 'withdrawn', 'cancelled')),
      reason text not null default '',
      decided_by integer references users on delete set null,
      decided_at timestamptz,
      created_at timestamptz not null default now()
    );
    create unique index key_requests_one_pending on key_requests (user_id, template_id) where status = 'pending';
    create index key_requests_project_idx on key_requests (project_id, status, id desc);
    create index key_requests_user_idx on key_requests (user_id, project_id, created_at);

    create table api_keys (
      id serial primary key,
      project_id integer not null references projects on delete cascade,
      template_id integer not null references api_key_templates on delete cascade,
      user_id integer not null references users on delete cascade,
      request_id integer references key_requests on delete set null,
      -- a key's personal layer holds its traffic: it outlives nothing but the project
      data_layer_id integer not null references data_layers on delete restrict,
      token_hash bytea not null,
      token_encrypted text not null,
      -- first characters of the token, to tell keys apart in the UI
      token_start text not null,
      created_at timestamptz not null default now(),
      expires_at timestamptz,
      revoked_at timestamptz,
      revoked_by integer references users on delete set null,
      revoke_reason text
    );
    create unique index api_keys_token_hash_key on api_keys (token_hash);
    create unique index api_keys_one_active on api_keys (user_id, template_id) where revoked_at is null;
    create index api_keys_project_idx on api_keys (project_id, id);

    -- one row per key-authenticated request, kept 30 days; written in batches
    create table usage_events (
      id bigserial primary key,
      key_id integer not null references api_keys on delete cascade,
      at timestamptz not null,
      method text not null,
      route text not null,
      status smallint not null,
      outcome text not null check (outcome in ('ok', 'client_error', 'server_error', 'rate_limited', 'denied')),
      duration_ms real not null,
      price numeric(14, 6) not null
    );
    create index usage_events_key_at_idx on usage_events (key_id, at);
    create index usage_events_at_idx on usage_events (at);

    -- per key per UTC hour, recomputed from usage_events (idempotent)
    create table usage_hourly (
      key_id integer not null references api_keys on delete cascade,
      hour timestamptz not null,
      requests integer not null,
      errors integer not null,
      ok integer not null,
      client_error integer not null,
      server_error integer not null,
      rate_limited integer not null,
      denied integer not null,
      cost numeric(20, 6) not null,
      last_used_at timestamptz not null,
      primary key (key_id, hour)
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop table usage_hourly, usage_events, api_keys, key_requests, api_key_template_fields,
      api_key_templates, settings cascade;
  `.execute(db);
}
