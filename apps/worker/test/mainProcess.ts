import { spawn } from "node:child_process";
import path from "node:path";
import { waitFor } from "@keyflow/testing";
import { serviceArgs } from "../../../scripts/bundle";

const workerDir = path.resolve(import.meta.dirname, "..");

export interface Exit {
  code: number | null;
  output: string;
}

/**
 * The worker's bundle (`dist/main.js`, built by the global setup) as its own process, like `npm run start:worker`, with only `env` (plus PATH and
 * HOME) in its environment; its stdout and stderr are collected together.
 */
export function startMain(env: Record<string, string>) {
  const child = spawn(process.execPath, serviceArgs("apps/worker"), {
    cwd: workerDir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let exit: Exit | undefined;
  child.stdout.on("data", (d: Buffer) => {
    output += d;
  });
  child.stderr.on("data", (d: Buffer) => {
    output += d;
  });
  const exited = new Promise<Exit>((resolve) =>
    child.on("exit", (code) => {
      exit = { code, output };
      resolve(exit);
    }),
  );
  return {
    pid: child.pid as number,
    output: () => output,
    /** Waits until the output matches; fails at once when the process exits first. */
    until: (what: string, pattern: RegExp) =>
      waitFor(
        what,
        () => {
          if (pattern.test(output)) return true;
          if (exit) throw new Error(`the worker exited (code ${exit.code}) before ${what}\n${output}`);
          return false;
        },
        { timeoutMs: 30_000, context: () => output },
      ),
    /** Sends `signal` (e.g. SIGKILL, SIGSTOP, SIGCONT) unless it exited already. */
    signal: (signal: NodeJS.Signals) => {
      if (!exit) child.kill(signal);
    },
    /** Settles with its exit code and whole output once it has exited. */
    exited: () => exited,
    /** SIGTERM (unless it exited already), then its exit code and whole output. */
    stop: (): Promise<Exit> => {
      if (!exit) child.kill("SIGTERM");
      return exited;
    },
  };
}
