import { type Kysely, sql } from "kysely";

// Node jobs: one row per (compute node, arriving package), inserted in the package's transaction.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table jobs (
      id serial primary key,
      project_id integer not null references projects on delete cascade,
      node_id integer not null references nodes on delete cascade,
      package_id integer not null references packages on delete cascade,
      data_layer_id integer not null references data_layers on delete cascade,
      state text not null check (state in ('queued', 'running', 'completed', 'failed', 'timeout')),
      exit_code integer,
      log text not null default '',
      log_truncated boolean not null default false,
      error text,
      outputs integer not null default 0,
      created_at timestamptz not null default now(),
      started_at timestamptz,
      finished_at timestamptz,
      -- run-once: a package runs a node's code at most once, however often it is delivered
      unique (node_id, package_id)
    );
    create index jobs_node_idx on jobs (node_id, id desc);
    create index jobs_package_idx on jobs (package_id);
    -- the per-project cap on unfinished jobs counts these
    create index jobs_project_active_idx on jobs (project_id) where state in ('queued', 'running');
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table jobs`.execute(db);
}
