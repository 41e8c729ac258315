import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { waitFor } from "@keyflow/testing";
import { afterAll, expect } from "vitest";

// The real launcher (scripts/start.ts) as `npm start` / `npm run dev` run it, for the tests of
// start.test.ts and dev.test.ts (two files, so the two launcher runs use two test workers).
export const repoRoot = path.resolve(import.meta.dirname, "../../..");

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export const portRefuses = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });

/** Settles like `promise`, or fails with `what` after `ms`. */
export async function within<T>(what: string, promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}\n${output}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

let output = "";
/** Everything the current launcher printed so far. */
export const launcherOutput = () => output;
const dirs: string[] = [];
const launchers: ChildProcess[] = [];

/** The launcher's environment: embedded everything, like a fresh checkout. */
export function launcherEnv(dataDir: string, port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KEYFLOW_DATA_DIR: dataDir,
    PORT: String(port),
    LOG_LEVEL: "warn",
  };
  for (const name of ["DATABASE_URL", "SMTP_URL", "APP_URL", "KEYFLOW_SECRET", "KEYFLOW_DEV", "HOST"])
    delete env[name];
  return env;
}

/** Every pid the launcher reported for `name` ("<name> started (pid N)"), oldest first. */
export const pidsOf = (name: string) =>
  [...output.matchAll(new RegExp(`\\[keyflow\\] ${name} started \\(pid (\\d+)\\)`, "g"))].map((m) =>
    Number(m[1]),
  );

/**
 * Runs the real launcher like `npm start` does (or `npm run dev` with `dev`), with its own data
 * directory and ports, and waits for its ready line (unless `ready: false`).
 */
export async function launch(opts: { dev?: boolean; env?: NodeJS.ProcessEnv; ready?: boolean } = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "keyflow-start-"));
  dirs.push(dataDir);
  const port = await freePort();
  const webPort = await freePort();
  const env = { ...launcherEnv(dataDir, port), KEYFLOW_WEB_PORT: String(webPort), ...opts.env };
  const appUrl = `http://localhost:${opts.dev ? webPort : port}`;
  output = "";
  // its own process group, so afterAll can stop everything it started even if the test fails
  const args = ["--import", "tsx", "scripts/start.ts", ...(opts.dev ? ["--dev"] : [])];
  const proc = spawn(process.execPath, args, {
    cwd: repoRoot,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  launchers.push(proc);
  proc.stdout?.on("data", (d) => {
    output += d;
  });
  proc.stderr?.on("data", (d) => {
    output += d;
  });
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  const info = path.join(dataDir, "postgres.json");
  const postmasterPid = path.join(dataDir, "pg", "postmaster.pid");
  if (opts.ready === false) {
    await waitFor(
      "PostgreSQL and both services to start",
      () => pidsOf("api").length > 0 && pidsOf("worker").length > 0,
      {
        timeoutMs: 60_000,
        context: () => `--- launcher output ---\n${output}`,
      },
    );
  } else {
    await waitFor("the ready line", () => output.includes(`Keyflow is running at ${appUrl}`), {
      timeoutMs: 60_000,
      context: () => `--- launcher output ---\n${output}`,
    });
  }

  const pidOf = (name: string) => pidsOf(name)[0] as number;
  return {
    proc,
    dataDir,
    port,
    base: `http://127.0.0.1:${port}`,
    appUrl,
    info,
    postmasterPid,
    exited: () => within("the launcher to exit", exited, 30_000),
    exitedPromise: exited,
    pids: {
      api: pidOf("api"),
      worker: pidOf("worker"),
      postgres: Number(fs.readFileSync(postmasterPid, "utf8").split("\n")[0]),
    },
    pgPort: Number(new URL((JSON.parse(fs.readFileSync(info, "utf8")) as { url: string }).url).port),
  };
}

/** After the launcher exits: every process it started is gone, and so is the embedded database. */
export async function expectAllStopped(l: Awaited<ReturnType<typeof launch>>) {
  // the launcher waits for each of them; a short grace covers the kernel reaping them
  const all = {
    ...l.pids,
    ...Object.fromEntries(
      ["api", "worker", "web"].flatMap((n) => pidsOf(n).map((pid, i) => [`${n}#${i}`, pid])),
    ),
  };
  for (const [name, pid] of Object.entries(all)) {
    await waitFor(`${name} (pid ${pid}) to be gone`, () => !alive(pid), { timeoutMs: 5_000 });
  }
  expect(fs.existsSync(l.postmasterPid)).toBe(false);
  expect(fs.existsSync(l.info)).toBe(false);
  expect(await portRefuses(l.pgPort)).toBe(true);
  expect(await portRefuses(l.port)).toBe(true);
}

/** Stops whatever the file's launchers left running and removes their data directories. */
export function cleanUpLaunchers() {
  afterAll(() => {
    for (const proc of launchers.splice(0)) {
      if (proc.pid && proc.exitCode === null && proc.signalCode === null) {
        try {
          process.kill(-proc.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
}
