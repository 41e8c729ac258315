import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { dataDir } from "@keyflow/db";

export interface Config {
  port: number;
  appUrl: string;
  databaseUrl: string;
  secret: string;
  /** Show the whole dev mailbox to everyone (localhost APP_URL or KEYFLOW_DEV=1). */
  devMailboxOpen: boolean;
  /** The local SMTP capture is in use (no SMTP_URL). */
  smtpCapture: boolean;
  webDist: string;
}

/** The embedded database's connection, written by the launcher (`npm start`) for separately started processes. */
export const embeddedInfoFile = () => path.join(dataDir(), "postgres.json");

export function resolveDatabaseUrl(): string {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const file = embeddedInfoFile();
  if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, "utf8")) as { url: string }).url;
  throw new Error(
    "DATABASE_URL is not set and no embedded PostgreSQL is running: start everything with `npm start`",
  );
}

/** KEYFLOW_SECRET, or for the embedded default one generated once into the data directory. */
export function resolveSecret(): string {
  if (process.env.KEYFLOW_SECRET) return process.env.KEYFLOW_SECRET;
  if (process.env.DATABASE_URL) throw new Error("KEYFLOW_SECRET is required when DATABASE_URL is set");
  const file = path.join(dataDir(), "keyflow-secret");
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, randomBytes(32).toString("base64url"), { mode: 0o600, flag: "wx" });
  }
  return fs.readFileSync(file, "utf8").trim();
}

export function isLocalUrl(url: string): boolean {
  const host = new URL(url).hostname;
  return host === "localhost" || host === "127.0.0.1" || host === "[::1]" || host.endsWith(".localhost");
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env.PORT ?? 3000);
  const appUrl = (env.APP_URL ?? `http://localhost:${port}`).replace(/\/$/, "");
  return {
    port,
    appUrl,
    databaseUrl: resolveDatabaseUrl(),
    secret: resolveSecret(),
    devMailboxOpen: isLocalUrl(appUrl) || env.KEYFLOW_DEV === "1",
    smtpCapture: !env.SMTP_URL,
    webDist: path.resolve(import.meta.dirname, "../../web/dist"),
  };
}
