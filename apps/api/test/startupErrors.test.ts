import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { createPool } from "@keyflow/db";
import { freePort, POSTGRES_MAJOR, startEmbeddedPostgres } from "@keyflow/db/embedded";
import { waitFor } from "@keyflow/testing";
import { afterAll, expect, test } from "vitest";

// Start-up problems of `npm start` a person can act on: each is one line in the launcher's log
// that says what to do, or the launcher deals with it and starts. The real launcher, as a process.
const repoRoot = path.resolve(import.meta.dirname, "../../..");
const asRoot = process.getuid?.() === 0;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const cleanups: (() => void | Promise<void>)[] = [];
const launchers: ChildProcess[] = [];
afterAll(async () => {
  for (const proc of launchers)
    if (proc.pid && proc.exitCode === null && proc.signalCode === null) {
      try {
        process.kill(-proc.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  for (const c of cleanups.reverse()) await c();
});

const tempDir = (prefix: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
};

/** The real launcher (`npm start` without the build) in `cwd`, embedded everything. */
async function launcher(opts: { dataDir?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const port = Number(opts.env?.PORT ?? (await freePort()));
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), LOG_LEVEL: "warn", ...opts.env };
  for (const name of [
    "DATABASE_URL",
    "SMTP_URL",
    "APP_URL",
    "KEYFLOW_SECRET",
    "KEYFLOW_DEV",
    "HOST",
    "KEYFLOW_DATA_DIR",
  ])
    delete env[name];
  if (opts.dataDir) env.KEYFLOW_DATA_DIR = opts.dataDir;
  const proc = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    cwd: opts.cwd ?? repoRoot,
    env,
    detached: true, // its own process group, so afterAll can stop all of it
    stdio: ["ignore", "pipe", "pipe"],
  });
  launchers.push(proc);
  let output = "";
  proc.stdout?.on("data", (d) => {
    output += d;
  });
  proc.stderr?.on("data", (d) => {
    output += d;
  });
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  const context = () => `--- launcher output ---\n${output}`;
  return {
    port,
    output: () => output,
    /** Its `[keyflow]` lines. */
    lines: () => output.split("\n").filter((l) => l.startsWith("[keyflow] ")),
    ready: () =>
      waitFor("the ready line", () => output.includes("Keyflow is running at"), {
        timeoutMs: 60_000,
        context,
      }),
    /** PostgreSQL runs and is migrated: the launcher has started the services. */
    servicesStarted: () =>
      waitFor("the services to be started", () => output.includes("[keyflow] worker started"), {
        timeoutMs: 60_000,
        context,
      }),
    exited: () =>
      Promise.race([
        exited,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`the launcher did not exit\n${context()}`)), 60_000),
        ),
      ]),
    /** SIGINT, then its exit code. */
    stop: async () => {
      process.kill(proc.pid as number, "SIGINT");
      return exited;
    },
    kill: () => process.kill(proc.pid as number, "SIGKILL"),
    pid: proc.pid as number,
  };
}

const healthy = async (port: number) =>
  (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null))?.ok;

test("PORT in use: one line that says so and what to do, exit 1, nothing started", async () => {
  const blocker = net.createServer((s) => s.end());
  await new Promise<void>((resolve) => blocker.listen(0, "0.0.0.0", resolve));
  cleanups.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  const { port } = blocker.address() as net.AddressInfo;
  const dataDir = tempDir("keyflow-port-");

  const l = await launcher({ dataDir, env: { PORT: String(port) } });
  expect(await l.exited(), l.output()).toBe(1);
  expect(l.lines()).toContain(`[keyflow] port ${port} is in use: set PORT to another port`);
  expect(l.output()).not.toMatch(/EADDRINUSE|at .*\.ts:\d+/); // no stack trace, no bare error code
  expect(fs.existsSync(path.join(dataDir, "pg"))).toBe(false); // PostgreSQL was never started
});

test("a data directory from another PostgreSQL version: one line naming both versions and what to do", async () => {
  const dataDir = tempDir("keyflow-version-");
  const older = String(Number(POSTGRES_MAJOR) - 1);
  fs.mkdirSync(path.join(dataDir, "pg"));
  fs.writeFileSync(path.join(dataDir, "pg", "PG_VERSION"), `${older}\n`);

  const l = await launcher({ dataDir });
  expect(await l.exited(), l.output()).toBe(1);
  const line = l.lines().find((x) => x.includes("holds a PostgreSQL"));
  expect(line).toBe(
    `[keyflow] ${dataDir}/pg holds a PostgreSQL ${older} database but Keyflow runs PostgreSQL ${POSTGRES_MAJOR}: dump it with PostgreSQL ${older}'s pg_dump and restore it into a new data directory (move ${dataDir} aside or set KEYFLOW_DATA_DIR), or start with an empty one the same way`,
  );
  expect(fs.readFileSync(path.join(dataDir, "pg", "PG_VERSION"), "utf8")).toBe(`${older}\n`); // untouched
});

test("left behind by a crash: a server outliving its killed launcher is stopped, a stale postmaster.pid removed; start proceeds", {
  timeout: 240_000,
}, async () => {
  const dataDir = tempDir("keyflow-stale-");
  const pidFile = path.join(dataDir, "pg", "postmaster.pid");
  const postmaster = () => Number(fs.readFileSync(pidFile, "utf8").split("\n")[0]);

  // kill -9 of the launcher: its API and worker follow it, PostgreSQL stays (and holds postmaster.pid)
  const first = await launcher({ dataDir });
  await first.ready();
  const leftover = postmaster();
  first.kill();
  await first.exited().catch(() => {});
  expect(alive(leftover)).toBe(true);

  const second = await launcher({ dataDir });
  await second.ready();
  expect(second.lines()).toContain(
    `[keyflow] stopping PostgreSQL (pid ${leftover}) left running on ${dataDir}/pg by a process that is gone`,
  );
  expect(alive(leftover)).toBe(false);
  expect(await healthy(second.port)).toBe(true);
  expect(await second.stop()).toBe(0);

  // postmaster.pid naming a pid that is now another program (after a reboot, say): that program is left alone
  const other = spawn("sleep", ["120"], { stdio: "ignore" });
  cleanups.push(() => void other.kill("SIGKILL"));
  fs.writeFileSync(pidFile, `${other.pid}\n${dataDir}/pg\n`);
  const third = await launcher({ dataDir });
  await third.servicesStarted();
  expect(third.lines()).toContain(
    `[keyflow] removing a stale ${pidFile}: pid ${other.pid} is another program now`,
  );
  expect(alive(other.pid as number)).toBe(true);
  expect(await third.stop()).toBe(0);

  // postmaster.pid naming a process that is gone
  const gone = spawn("true", { stdio: "ignore" });
  await new Promise((resolve) => gone.on("exit", resolve));
  fs.writeFileSync(pidFile, `${gone.pid}\n${dataDir}/pg\n`);
  const fourth = await launcher({ dataDir });
  await fourth.servicesStarted();
  expect(await fourth.stop()).toBe(0);
  expect(fs.existsSync(pidFile)).toBe(false);
});

test("a server on the data directory that another live process runs: one line, and it is not taken over", {
  timeout: 120_000,
}, async () => {
  const dataDir = tempDir("keyflow-foreign-");
  // this test process runs it, as another tool on the same directory would
  const server = await startEmbeddedPostgres({ dir: dataDir });
  cleanups.push(() => server.stop());
  const pid = Number(fs.readFileSync(path.join(server.pgDir, "postmaster.pid"), "utf8").split("\n")[0]);

  const l = await launcher({ dataDir });
  expect(await l.exited(), l.output()).toBe(1);
  expect(l.lines()).toContain(
    `[keyflow] PostgreSQL already runs on ${dataDir}/pg (pid ${pid}, started by process ${process.pid}): stop that process, or set KEYFLOW_DATA_DIR to another directory`,
  );
  const pool = createPool(server.url(), { max: 1 });
  expect((await pool.query("select 1 as one")).rows).toEqual([{ one: 1 }]); // still serving
  await pool.end();
});

test("as root in a clone under a 0700 directory (/root, mktemp -d): npm start works", {
  timeout: 180_000,
}, async () => {
  // a mktemp -d is 0700; the clone's files are hard links of this checkout's (same code, fast)
  const parent = tempDir("keyflow-0700-");
  expect(fs.statSync(parent).mode & 0o777).toBe(0o700);
  const clone = path.join(parent, "keyflow");
  fs.mkdirSync(clone);
  const entries = fs.readdirSync(repoRoot).filter((e) => ![".git", ".data", ".turbo"].includes(e));
  try {
    execFileSync("cp", ["-al", ...entries.map((e) => path.join(repoRoot, e)), clone]);
  } catch {
    execFileSync("cp", ["-a", ...entries.map((e) => path.join(repoRoot, e)), clone]); // another file system
  }
  const dataDir = path.join(clone, ".data"); // the default

  const l = await launcher({ cwd: clone });
  cleanups.push(() => {
    // the database files live where user postgres can reach them: remove them with the clone
    const link = path.join(dataDir, "pg");
    if (fs.lstatSync(link, { throwIfNoEntry: false })?.isSymbolicLink())
      fs.rmSync(fs.readlinkSync(link), { recursive: true, force: true });
  });
  await l.ready();
  expect(await healthy(l.port)).toBe(true);
  if (asRoot) {
    expect(l.lines()).toContainEqual(
      expect.stringMatching(
        /^\[keyflow\] user postgres \(PostgreSQL runs as it when Keyflow runs as root\) cannot reach .*\/keyflow\/\.data: the database files are in \/var\/lib\/keyflow\/clusters\/\w+, linked from .*\/\.data\/pg$/,
      ),
    );
    expect(l.lines()).toContainEqual(
      expect.stringMatching(/PostgreSQL runs from a copy in \/var\/lib\/keyflow\/postgresql-/),
    );
  }
  expect(l.output()).not.toContain("EACCES");
  expect(await l.stop()).toBe(0);

  // and again on the same data: the database is found where it was put
  const again = await launcher({ cwd: clone });
  await again.servicesStarted();
  expect(again.output()).not.toContain("applied migrations");
  expect(await again.stop()).toBe(0);
});
