import fs from "node:fs";
import path from "node:path";
import { dataDir } from "@keyflow/db";

export interface WorkerConfig {
  databaseUrl: string;
  /** Unset: the worker runs the local SMTP capture and sends there (SPEC §8). */
  smtpUrl: string | undefined;
  /** Base of every link in e-mails; the same default as the API's. */
  appUrl: string;
  mailFrom: string;
}

export const DEFAULT_MAIL_FROM = "Keyflow <keyflow@localhost>";

/**
 * DATABASE_URL, or the embedded database the launcher (`npm start`) describes in
 * `<dataDir>/postgres.json` — the same file the API's config reads.
 */
function resolveDatabaseUrl(env: NodeJS.ProcessEnv): string {
  if (env.DATABASE_URL) return env.DATABASE_URL;
  const file = path.join(dataDir(), "postgres.json");
  if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, "utf8")) as { url: string }).url;
  throw new Error(
    "DATABASE_URL is not set and no embedded PostgreSQL is running: start everything with `npm start`",
  );
}

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  return {
    databaseUrl: resolveDatabaseUrl(env),
    smtpUrl: env.SMTP_URL || undefined,
    appUrl: (env.APP_URL ?? `http://localhost:${env.PORT ?? 3000}`).replace(/\/$/, ""),
    mailFrom: env.MAIL_FROM || DEFAULT_MAIL_FROM,
  };
}
