import { type Kysely, sql } from "kysely";

// Project secrets (encrypted values readable by the nodes on their access list), including those
// imported from an API key.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table secrets (
      id serial primary key,
      project_id integer not null references projects on delete cascade,
      name text not null,
      description text not null default '',
      type text not null default 'variable' check (type in ('variable')),
      -- AES-256-GCM under the 'secret_value' key, associated data 'secrets:<id>'
      value_encrypted text not null,
      -- imported secrets: the key they came from (null once that key row is gone) and which part
      source_key_id integer references api_keys on delete set null,
      -- 'token' for the key's token, else the information field's name
      source_field text,
      -- never revealed (an imported token)
      write_only boolean not null default false,
      created_by integer references users on delete set null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    -- names become environment variables RNDFLOW_SECRET_<NAME IN UPPER CASE>: unique ignoring case
    create unique index secrets_name_key on secrets (project_id, lower(name));
    create index secrets_source_key_idx on secrets (source_key_id);

    -- the access list: node deletion removes the node from it
    create table secret_nodes (
      secret_id integer not null references secrets on delete cascade,
      node_id integer not null references nodes on delete cascade,
      primary key (secret_id, node_id)
    );
    create index secret_nodes_node_idx on secret_nodes (node_id);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table secret_nodes, secrets cascade;`.execute(db);
}
