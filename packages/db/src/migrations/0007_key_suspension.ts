import { type Kysely, sql } from "kysely";

// Suspend / resume (SPEC §12): a suspended key keeps its row, statistics, layer and imported secrets.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table api_keys
      add column suspended_at timestamptz,
      add column suspended_by integer references users on delete set null,
      add column suspend_reason text;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table api_keys drop column suspended_at, drop column suspended_by, drop column suspend_reason;
  `.execute(db);
}
