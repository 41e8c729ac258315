import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type pg from "pg";
import { inject } from "vitest";
import { startEmbeddedPostgres } from "./embedded";
import { migrate } from "./migrate";
import { createDb, createPool, type Db } from "./pool";

declare module "vitest" {
  export interface ProvidedContext {
    /** URL of a maintenance database on the test server; test databases are cloned from the template. */
    pgAdminUrl: string;
  }
}

const TEMPLATE = "keyflow_template";

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

interface SharedServer {
  templateUrl: string;
  users: number;
  stop: () => Promise<void>;
}

// Every package's vitest config names this globalSetup, so a package runs alone too; when one
// vitest run holds several projects (the root config), their setups run in one process and share
// a single PostgreSQL and template through this global.
const shared = globalThis as { __keyflowTestServer?: Promise<SharedServer> };

/**
 * Vitest globalSetup: one PostgreSQL per test run (embedded unless DATABASE_URL is set),
 * with a migrated template database that every test file clones.
 */
export async function setupTestDatabaseServer({
  provide,
}: {
  provide: (key: "pgAdminUrl", value: string) => void;
}): Promise<() => Promise<void>> {
  shared.__keyflowTestServer ??= startTestDatabaseServer();
  const server = await shared.__keyflowTestServer;
  server.users++;
  provide("pgAdminUrl", server.templateUrl);
  return async () => {
    if (--server.users > 0) return;
    shared.__keyflowTestServer = undefined;
    await server.stop();
  };
}

async function startTestDatabaseServer(): Promise<SharedServer> {
  let adminUrl: string;
  let stopServer = async () => {};
  if (process.env.DATABASE_URL) {
    adminUrl = process.env.DATABASE_URL;
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyflow-test-pg-"));
    const server = await startEmbeddedPostgres({ dir });
    adminUrl = server.url("postgres");
    stopServer = async () => {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    };
  }
  const { Client } = (await import("pg")).default;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  // a unique template per run, so runs sharing an external server do not collide
  const template = `${TEMPLATE}_${randomBytes(4).toString("hex")}`;
  await admin.query(`create database ${template}`);
  const pool = createPool(withDatabase(adminUrl, template), { max: 2 });
  await migrate(pool);
  await pool.end();
  await admin.end();
  return {
    templateUrl: withDatabase(adminUrl, template),
    users: 0,
    stop: async () => {
      const c = new Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${template} with (force)`);
      await c.end();
      await stopServer();
    },
  };
}

export interface TestDatabase {
  url: string;
  pool: pg.Pool;
  db: Db;
  destroy: () => Promise<void>;
}

/** A fresh database for one test file, cloned from the migrated template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const templateUrl = inject("pgAdminUrl");
  const template = new URL(templateUrl).pathname.slice(1);
  const name = `t_${randomBytes(6).toString("hex")}`;
  const { Client } = (await import("pg")).default;
  const admin = new Client({ connectionString: withDatabase(templateUrl, "postgres") });
  await admin.connect();
  await admin.query(`create database ${name} template ${template}`);
  await admin.end();
  const url = withDatabase(templateUrl, name);
  const pool = createPool(url);
  const db = createDb(pool);
  return {
    url,
    pool,
    db,
    destroy: async () => {
      await db.destroy();
      const c = new Client({ connectionString: withDatabase(templateUrl, "postgres") });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}
