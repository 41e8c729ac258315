import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { waitFor } from "@keyflow/testing";
import { afterAll, expect, test } from "vitest";

// `npm start` end to end: the real launcher, its embedded PostgreSQL, API and worker processes.
const repoRoot = path.resolve(import.meta.dirname, "../../..");

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const portRefuses = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });

/** Settles like `promise`, or fails with `what` after `ms`. */
async function within<T>(what: string, promise: Promise<T>, ms: number): Promise<T> {
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
const dirs: string[] = [];
const launchers: ChildProcess[] = [];

/** The launcher's environment: embedded everything, like a fresh checkout. */
function launcherEnv(dataDir: string, port: number): NodeJS.ProcessEnv {
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
const pidsOf = (name: string) =>
  [...output.matchAll(new RegExp(`\\[keyflow\\] ${name} started \\(pid (\\d+)\\)`, "g"))].map((m) =>
    Number(m[1]),
  );

/**
 * Runs the real launcher like `npm start` does (or `npm run dev` with `dev`), with its own data
 * directory and ports, and waits for its ready line (unless `ready: false`).
 */
async function launch(opts: { dev?: boolean; env?: NodeJS.ProcessEnv; ready?: boolean } = {}) {
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
async function expectAllStopped(l: Awaited<ReturnType<typeof launch>>) {
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

afterAll(() => {
  for (const proc of launchers) {
    if (proc.pid && proc.exitCode === null && proc.signalCode === null) {
      try {
        process.kill(-proc.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

test("npm start runs PostgreSQL, API and worker, and SIGINT stops all of them", {
  timeout: 120_000,
}, async () => {
  const l = await launch();
  expect(await (await fetch(`${l.base}/healthz`)).json()).toEqual({ ok: true });
  const me = await fetch(`${l.base}/trpc/auth.me`);
  expect(await me.json()).toEqual({ result: { data: { json: null } } }); // signed out
  // the built web app, also on client-side routes (npm test builds it before the tests)
  for (const route of ["/", "/projects/1/graph"]) {
    const page = await fetch(`${l.base}${route}`);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/<div id="root">/);
  }
  expect(l.pids.api).toBeGreaterThan(0);
  expect(l.pids.worker).toBeGreaterThan(0);
  expect(alive(l.pids.postgres)).toBe(true);
  expect(fs.statSync(l.info).mode & 0o777).toBe(0o600);

  // a second launcher on the same data directory refuses instead of taking the database over
  const second = spawnSync(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    cwd: repoRoot,
    env: launcherEnv(l.dataDir, await freePort()),
    encoding: "utf8",
    timeout: 30_000,
  });
  expect(second.status, second.stdout + second.stderr).toBe(1);
  expect(second.stdout).toMatch(/already runs/);
  expect((await fetch(`${l.base}/healthz`)).ok).toBe(true);

  process.kill(l.proc.pid as number, "SIGINT");
  expect(await l.exited(), output).toBe(0);
  await expectAllStopped(l);
});

test("kill -9 of the API: the launcher says so and restarts it; the worker and PostgreSQL keep running", {
  timeout: 120_000,
}, async () => {
  const l = await launch();
  process.kill(l.pids.api, "SIGKILL");
  await waitFor(
    "the restart notice",
    () => output.includes("[keyflow] api exited unexpectedly (SIGKILL); restarting in 1 s"),
    {
      context: () => output,
    },
  );
  const restarted = await waitFor("a new API process", () => pidsOf("api")[1], { context: () => output });
  expect(restarted).not.toBe(l.pids.api);
  await waitFor(
    "/healthz to answer again",
    async () => (await fetch(`${l.base}/healthz`).catch(() => null))?.ok,
    {
      timeoutMs: 30_000,
      context: () => output,
    },
  );
  expect(alive(restarted)).toBe(true);
  expect(alive(l.pids.worker)).toBe(true);
  expect(alive(l.pids.postgres)).toBe(true);
  expect(pidsOf("worker")).toEqual([l.pids.worker]); // only the API was restarted

  process.kill(l.proc.pid as number, "SIGINT");
  expect(await l.exited(), output).toBe(0);
  await expectAllStopped(l);
});

test("a service that keeps failing at start: restarted with growing delays, then the launcher gives up and stops everything", {
  timeout: 120_000,
}, async () => {
  // the worker refuses this setting at once, every time
  const l = await launch({ env: { KEYFLOW_WORKER_DEAD_AFTER_S: "0" }, ready: false });
  expect(await within("the launcher to give up", l.exitedPromise, 90_000), output).toBe(1);
  for (const delay of [1, 2, 4])
    expect(output).toContain(`[keyflow] worker exited unexpectedly (code 1); restarting in ${delay} s`);
  expect(output).toMatch(
    /\[keyflow\] worker exited unexpectedly \(code 1\), 4 times in a row within 60 s of starting; giving up, stopping everything/,
  );
  expect(output).toContain("KEYFLOW_WORKER_DEAD_AFTER_S must be a whole number of seconds");
  expect(pidsOf("worker")).toHaveLength(4);
  expect(output).not.toContain("Keyflow is running");
  await expectAllStopped(l);
});

test("npm run dev serves the web app from Vite with hot reload, and cookie writes pass through its proxy", {
  timeout: 120_000,
}, async () => {
  const l = await launch({ dev: true });
  const page = await (await fetch(l.appUrl)).text();
  expect(page).toMatch(/<div id="root">/);
  expect(page).toMatch(/\/@vite\/client/); // Vite's hot-reload client, not the built bundle
  // API and worker run under `tsx watch`, which restarts them on every change
  for (const pid of [l.pids.api, l.pids.worker])
    expect(fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")).toContain("watch");

  // sign up through Vite's proxy: the browser's Origin is Vite's address, which is APP_URL in dev
  const post = (procedure: string, json: unknown, headers: Record<string, string> = {}) =>
    fetch(`${l.appUrl}/trpc/${procedure}`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: l.appUrl, ...headers },
      body: JSON.stringify({ json }),
    });
  const signUp = await post("auth.signUp", {
    email: "dev@example.com",
    password: "correct horse battery",
    name: "Dev",
  });
  expect(signUp.status).toBe(200);
  const cookie = signUp.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  expect(cookie).toMatch(/=/);
  const created = await post("projects.create", { name: "Made in dev" }, { cookie });
  expect(created.status).toBe(200);
  expect(
    ((await created.json()) as { result: { data: { json: { name: string } } } }).result.data.json.name,
  ).toBe("Made in dev");
  // the API's CSRF check still holds behind the proxy
  const forged = await post("projects.create", { name: "Forged" }, { cookie, origin: "http://evil.test" });
  expect(forged.status).toBe(403);

  process.kill(l.proc.pid as number, "SIGINT");
  expect(await l.exited(), output).toBe(0);
  await waitFor("Vite to stop", () => portRefuses(Number(new URL(l.appUrl).port)), { timeoutMs: 10_000 });
  await expectAllStopped(l);
});
