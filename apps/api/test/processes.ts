import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { freePort } from "@keyflow/db/embedded";

const apiDir = path.resolve(import.meta.dirname, "..");

export interface ApiProcess {
  url: string;
  stop: () => Promise<void>;
}

/** Polls `check` until it returns a value, or fails after `timeoutMs` with the last error. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  everyMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms: ${String(lastError ?? "")}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A real API process (`src/main.ts`) on a free port, against the given database. */
export async function startApiProcess(env: { databaseUrl: string; secret: string }): Promise<ApiProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: apiDir,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: env.databaseUrl,
      KEYFLOW_SECRET: env.secret,
      PORT: String(port),
      HOST: "127.0.0.1",
      APP_URL: "http://localhost:3000",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await eventually(async () => ((await fetch(`${url}/healthz`)).ok ? true : undefined), 30_000, 100);
  return {
    url,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
