import { execFile } from "node:child_process";
import fs from "node:fs";
import { waitFor } from "@keyflow/testing";
import { expect, test } from "vitest";
import {
  alive,
  cleanUpLaunchers,
  expectAllStopped,
  freePort,
  launch,
  launcherEnv,
  launcherOutput,
  pidsOf,
  repoRoot,
  within,
} from "./launcher";

// `npm start` end to end: the real launcher, its embedded PostgreSQL, API and worker processes.
cleanUpLaunchers();

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

  // a second launcher on the same data directory refuses instead of taking the database over.
  // Run without blocking the event loop: a blocked loop keeps the keep-alive socket of the fetches
  // above looking open after the server has closed it, and the next fetch would fail on it.
  const secondPort = await freePort();
  const second = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "scripts/start.ts"],
      { cwd: repoRoot, env: launcherEnv(l.dataDir, secondPort), encoding: "utf8", timeout: 60_000 },
      (err, stdout, stderr) =>
        resolve({ status: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
  expect(second.status, second.stdout + second.stderr).toBe(1);
  expect(second.stdout).toMatch(/already runs/);
  expect((await fetch(`${l.base}/healthz`)).ok).toBe(true);

  process.kill(l.proc.pid as number, "SIGINT");
  expect(await l.exited(), launcherOutput()).toBe(0);
  await expectAllStopped(l);
});

test("kill -9 of the API: the launcher says so and restarts it; the worker and PostgreSQL keep running", {
  timeout: 120_000,
}, async () => {
  const l = await launch();
  process.kill(l.pids.api, "SIGKILL");
  await waitFor(
    "the restart notice",
    () => launcherOutput().includes("[keyflow] api exited unexpectedly (SIGKILL); restarting in 1 s"),
    {
      context: () => launcherOutput(),
    },
  );
  const restarted = await waitFor("a new API process", () => pidsOf("api")[1], {
    context: () => launcherOutput(),
  });
  expect(restarted).not.toBe(l.pids.api);
  await waitFor(
    "/healthz to answer again",
    async () => (await fetch(`${l.base}/healthz`).catch(() => null))?.ok,
    {
      timeoutMs: 30_000,
      context: () => launcherOutput(),
    },
  );
  expect(alive(restarted)).toBe(true);
  expect(alive(l.pids.worker)).toBe(true);
  expect(alive(l.pids.postgres)).toBe(true);
  expect(pidsOf("worker")).toEqual([l.pids.worker]); // only the API was restarted

  process.kill(l.proc.pid as number, "SIGINT");
  expect(await l.exited(), launcherOutput()).toBe(0);
  await expectAllStopped(l);
});

test("a service that keeps failing at start: restarted with growing delays, then the launcher gives up and stops everything", {
  timeout: 200_000,
}, async () => {
  // the worker refuses this setting at once, every time
  // the give-up rule, not the readiness deadline, must end it: on a busy machine each failing
  // start takes ~15 s (loading the sources), so four of them can outlast the default 60 s
  const l = await launch({
    env: { KEYFLOW_WORKER_DEAD_AFTER_S: "0", KEYFLOW_STARTUP_TIMEOUT_S: "600" },
    ready: false,
  });
  expect(await within("the launcher to give up", l.exitedPromise, 170_000), launcherOutput()).toBe(1);
  for (const delay of [1, 2, 4])
    expect(launcherOutput()).toContain(
      `[keyflow] worker exited unexpectedly (code 1); restarting in ${delay} s`,
    );
  expect(launcherOutput()).toMatch(
    /\[keyflow\] worker exited unexpectedly \(code 1\), 4 times in a row within 60 s of starting; giving up, stopping everything/,
  );
  expect(launcherOutput()).toContain("KEYFLOW_WORKER_DEAD_AFTER_S must be a whole number of seconds");
  expect(pidsOf("worker")).toHaveLength(4);
  expect(launcherOutput()).not.toContain("Keyflow is running");
  await expectAllStopped(l);
});
