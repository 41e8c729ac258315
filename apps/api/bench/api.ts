import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { freePort } from "@keyflow/db/embedded";
import { waitFor } from "@keyflow/testing";
import { serviceArgs } from "../../../scripts/bundle";

const apiDir = path.resolve(import.meta.dirname, "..");

/** The API process (its bundle, as `npm start` runs it) the bench loads; `nodeArgs` e.g. `--cpu-prof` for a profile. */
export async function startBenchApi(env: { databaseUrl: string; secret: string }, nodeArgs: string[] = []) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, ...serviceArgs("apps/api")], {
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
  await waitFor(
    "the API process to listen",
    async () => (await fetch(`${url}/healthz`).catch(() => null))?.ok,
    {
      timeoutMs: 30_000,
      intervalMs: 100,
    },
  );
  return {
    url,
    pid: child.pid!,
    /** SIGTERM: the API flushes, exits, and (with --cpu-prof) writes its profile. */
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}
