import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { freePort } from "@keyflow/db/embedded";
import { waitFor } from "@keyflow/testing";
import { afterAll, beforeAll } from "vitest";
import { serviceArgs } from "../../../scripts/bundle";
import { createHarness, type Harness } from "./harness";

const apiDir = path.resolve(import.meta.dirname, "..");

export interface ApiProcess {
  url: string;
  port: number;
  pid: number;
  /** Resolves when the process has exited, with its exit code (null when a signal ended it). */
  exited: Promise<number | null>;
  /** Sends a signal (e.g. SIGKILL for a crash) without waiting. */
  kill: (signal: NodeJS.Signals) => void;
  /** Whether the process is still running. */
  running: () => boolean;
  /** What the process printed so far (stdout and stderr, the last ≈ 500 kB), when started with `capture`. */
  output: () => string;
  stop: () => Promise<void>;
}

/**
 * A real API process (its bundle `dist/main.js`, as `npm start` runs it, built by the global setup) on a free port (or `opts.port`), against the given database.
 * With `capture`, its output is kept for `output()` instead of printed.
 */
export async function startApiProcess(
  env: { databaseUrl: string; secret: string },
  opts: { port?: number; capture?: boolean; logLevel?: string } = {},
): Promise<ApiProcess> {
  const port = opts.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, serviceArgs("apps/api"), {
    cwd: apiDir,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: env.databaseUrl,
      KEYFLOW_SECRET: env.secret,
      PORT: String(port),
      HOST: "127.0.0.1",
      APP_URL: "http://localhost:3000",
      LOG_LEVEL: opts.logLevel ?? "warn",
    },
    stdio: ["ignore", opts.capture ? "pipe" : "inherit", opts.capture ? "pipe" : "inherit"],
  });
  let printed = "";
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on("data", (chunk: Buffer) => {
      printed += chunk.toString();
      if (printed.length > 1_000_000) printed = printed.slice(-500_000);
    });
  }
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  const listening = waitFor(
    "the API process to listen",
    async () => (await fetch(`${url}/healthz`).catch(() => null))?.ok,
    { timeoutMs: 30_000, intervalMs: 100 },
  );
  const died = exited.then((code) => {
    throw new Error(`API process exited with ${code} before listening`);
  });
  await Promise.race([listening, died]).catch((e) => {
    child.kill("SIGKILL");
    throw e;
  });
  died.catch(() => {});
  return {
    url,
    port,
    pid: child.pid!,
    exited,
    kill: (signal) => {
      if (exitCode === undefined) child.kill(signal);
    },
    running: () => exitCode === undefined,
    output: () => printed,
    stop: async () => {
      if (exitCode === undefined) child.kill("SIGTERM");
      await exited;
    },
  };
}

/**
 * A harness (the in-process API that makes changes) and `n` separate API processes on its
 * database, started before the file's tests and stopped after them: the setup of every test that
 * checks what reaches other API processes by LISTEN/NOTIFY.
 */
export function useApiProcesses(n = 2): { h: Harness; apis: ApiProcess[] } {
  const cluster = { h: undefined as unknown as Harness, apis: [] as ApiProcess[] };
  beforeAll(async () => {
    cluster.h = await createHarness();
    const env = { databaseUrl: cluster.h.database.url, secret: cluster.h.config.secret };
    cluster.apis = await Promise.all(Array.from({ length: n }, () => startApiProcess(env)));
  });
  afterAll(async () => {
    await Promise.all(cluster.apis.map((a) => a.stop()));
    await cluster.h?.close();
  });
  return cluster;
}
