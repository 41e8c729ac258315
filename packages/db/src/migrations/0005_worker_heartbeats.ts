import { type Kysely, sql } from "kysely";

// Crash recovery for the worker (SPEC §8: an e-mail is never lost, never sent twice).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- one row per running worker process, refreshed every few seconds; a row not refreshed for
    -- KEYFLOW_WORKER_DEAD_AFTER_S means that process died, and the jobs it locked are released
    create table worker_heartbeats (
      worker_id text primary key,
      -- graphile-worker's lock holders in that process (the locked_by of the jobs it runs)
      lock_ids text[] not null,
      host text not null,
      pid integer not null,
      started_at timestamptz not null default now(),
      seen_at timestamptz not null default now()
    );

    -- one row per send_email job that started sending; sent_at is set once the SMTP server accepted
    -- it, so a rerun of the same job (its worker died before graphile-worker recorded it done)
    -- does not send it again
    create table email_deliveries (
      job_id bigint primary key,
      created_at timestamptz not null default now(),
      sent_at timestamptz
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table email_deliveries; drop table worker_heartbeats`.execute(db);
}
