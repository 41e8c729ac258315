import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { dataDir } from "./paths";

/**
 * Where the database is and which master secret goes with it, resolved the same way by every
 * process (API, worker, launcher), from the environment or the data directory (SPEC §10).
 */

/** The embedded database's connection, written by the launcher (`npm start`) for separately started processes. */
export const embeddedInfoFile = () => path.join(dataDir(), "postgres.json");

/** DATABASE_URL, or the embedded database the launcher describes in `<dataDir>/postgres.json`. */
export function resolveDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DATABASE_URL) return env.DATABASE_URL;
  const file = embeddedInfoFile();
  if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, "utf8")) as { url: string }).url;
  throw new Error(
    "DATABASE_URL is not set and no embedded PostgreSQL is running: start everything with `npm start`",
  );
}

/**
 * KEYFLOW_SECRET, or for the embedded default one generated once into the data directory. The API
 * and the worker may both get here first: the file is created atomically (written aside, then
 * hard-linked into place), so neither ever reads a half-written secret and the first one wins.
 */
export function resolveSecret(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KEYFLOW_SECRET) return env.KEYFLOW_SECRET;
  if (env.DATABASE_URL) throw new Error("KEYFLOW_SECRET is required when DATABASE_URL is set");
  const file = path.join(dataDir(), "keyflow-secret");
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`;
    fs.writeFileSync(tmp, randomBytes(32).toString("base64url"), { mode: 0o600, flag: "wx" });
    try {
      fs.linkSync(tmp, file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }
  return fs.readFileSync(file, "utf8").trim();
}

/** APP_URL without a trailing slash; default `http://localhost:$PORT` (3000). */
export function resolveAppUrl(env: NodeJS.ProcessEnv = process.env): string {
  return (env.APP_URL ?? `http://localhost:${env.PORT ?? 3000}`).replace(/\/$/, "");
}
