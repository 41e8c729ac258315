import { type Kysely, sql } from "kysely";

// Accounts, projects, roles, members, graph, packages, blobs, audit, dev mailbox.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table users (
      id serial primary key,
      email text not null,
      name text not null,
      password_hash text not null,
      created_at timestamptz not null default now()
    );
    create unique index users_email_key on users (lower(email));

    create table user_sessions (
      id text primary key,
      user_id integer not null references users on delete cascade,
      expires_at timestamptz not null
    );
    create index user_sessions_user_idx on user_sessions (user_id);

    -- failed sign-ins per account and per IP, for throttling
    create table auth_throttle (
      key text primary key,
      failures integer not null,
      window_start timestamptz not null,
      locked_until timestamptz
    );

    create table projects (
      id serial primary key,
      name text not null,
      description text not null default '',
      is_public boolean not null default false,
      created_by integer references users on delete set null,
      created_at timestamptz not null default now(),
      deleted_at timestamptz
    );

    create table roles (
      id serial primary key,
      project_id integer not null references projects on delete cascade,
      name text not null,
      description text not null default '',
      is_owner boolean not null default false,
      is_public boolean not null default false,
      permissions text[] not null default '{}',
      created_at timestamptz not null default now()
    );
    create unique index roles_name_key on roles (project_id, lower(name));
    create unique index roles_one_owner on roles (project_id) where is_owner;
    create unique index roles_one_public on roles (project_id) where is_public;

    create table members (
      project_id integer not null references projects on delete cascade,
      user_id integer not null references users on delete cascade,
      created_at timestamptz not null default now(),
      primary key (project_id, user_id)
    );
    create index members_user_idx on members (user_id);

    create table member_roles (
      project_id integer not null,
      user_id integer not null,
      role_id integer not null references roles on delete cascade,
      primary key (project_id, user_id, role_id),
      foreign key (project_id, user_id) references members on delete cascade
    );

    create table nodes (
      id serial primary key,
      project_id integer not null references projects on delete cascade,
      name text not null,
      kind text not null check (kind in ('data', 'compute')),
      description text not null default '',
      runtime text check (runtime in ('node', 'python')),
      entry text,
      timeout_s integer not null default 600 check (timeout_s between 1 and 86400),
      params jsonb not null default '{}',
      pos_x real,
      pos_y real,
      created_at timestamptz not null default now()
    );
    create index nodes_project_idx on nodes (project_id);

    create table role_node_permissions (
      role_id integer not null references roles on delete cascade,
      node_id integer not null references nodes on delete cascade,
      permissions text[] not null,
      primary key (role_id, node_id)
    );

    create table links (
      id serial primary key,
      project_id integer not null references projects on delete cascade,
      from_node_id integer not null references nodes on delete cascade,
      to_node_id integer not null references nodes on delete cascade,
      label_filter text,
      filter_error text,
      created_at timestamptz not null default now(),
      unique (from_node_id, to_node_id)
    );

    create table node_files (
      node_id integer not null references nodes on delete cascade,
      path text not null,
      content bytea not null,
      executable boolean not null default false,
      updated_at timestamptz not null default now(),
      primary key (node_id, path)
    );

    create table data_layers (
      id serial primary key,
      project_id integer not null references projects on delete cascade,
      name text not null,
      kind text not null check (kind in ('shared', 'personal')),
      owner_id integer references users on delete cascade,
      created_at timestamptz not null default now(),
      check ((kind = 'personal') = (owner_id is not null))
    );
    create index data_layers_project_idx on data_layers (project_id);

    create table node_layer_state (
      node_id integer not null references nodes on delete cascade,
      data_layer_id integer not null references data_layers on delete cascade,
      active boolean not null,
      primary key (node_id, data_layer_id)
    );

    -- content-addressed file storage (sha-256 hex)
    create table blobs (
      hash text primary key,
      content bytea not null,
      size bigint not null,
      created_at timestamptz not null default now()
    );

    create table packages (
      id serial primary key,
      project_id integer not null references projects on delete cascade,
      node_id integer not null references nodes on delete cascade,
      data_layer_id integer not null references data_layers on delete cascade,
      label text not null default '',
      fields jsonb not null default '{}',
      master_id integer not null,
      parent_id integer references packages on delete set null,
      origin text not null check (origin in ('external', 'push', 'job')),
      -- nodes this lineage already passed through: a push into one of them is skipped (no cycles)
      node_path integer[] not null,
      created_by integer references users on delete set null,
      created_at timestamptz not null default now()
    );
    create index packages_node_layer_idx on packages (node_id, data_layer_id, id desc);
    create index packages_master_idx on packages (master_id);
    -- a pushed copy exists at most once per (target, source package)
    create unique index packages_push_once on packages (node_id, data_layer_id, parent_id) where origin = 'push';

    create table package_files (
      package_id integer not null references packages on delete cascade,
      name text not null,
      blob_hash text not null references blobs,
      type text not null default 'file',
      is_executable boolean not null default false,
      size bigint not null,
      primary key (package_id, name)
    );
    create index package_files_blob_idx on package_files (blob_hash);

    create table audit_log (
      id serial primary key,
      project_id integer references projects on delete cascade,
      actor_id integer references users on delete set null,
      action text not null,
      target text not null default '',
      details jsonb not null default '{}',
      created_at timestamptz not null default now()
    );
    create index audit_log_project_idx on audit_log (project_id, id desc);

    -- mail received by the local SMTP capture (only used when SMTP_URL is unset)
    create table dev_mailbox (
      id serial primary key,
      mail_from text not null,
      mail_to text[] not null,
      subject text not null,
      text_body text not null default '',
      html_body text not null default '',
      received_at timestamptz not null default now()
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop table dev_mailbox, audit_log, package_files, packages, blobs, node_layer_state,
      data_layers, node_files, links, role_node_permissions, nodes, member_roles, members,
      roles, projects, auth_throttle, user_sessions, users cascade;
  `.execute(db);
}
