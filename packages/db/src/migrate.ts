import { runMigrations as runWorkerMigrations } from "graphile-worker";
import { Migrator } from "kysely";
import type pg from "pg";
import { migrations } from "./migrations/index";
import { createDb } from "./pool";

/** Applies Keyflow's numbered migrations and graphile-worker's schema (jobs are queued in SQL). */
export async function migrate(pool: pg.Pool): Promise<string[]> {
  const db = createDb(pool);
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  await runWorkerMigrations({ pgPool: pool });
  return (results ?? []).map((r) => r.migrationName);
}
