import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { LogCollector } from "./log";
import { type Sandbox, sandboxed } from "./sandbox";
import type { JobResult, JobSpec } from "./types";
import type { JobUser } from "./user";

// One job's process: started with limits, in its own process group, watched until it ends.

export const LOG_LIMIT_BYTES = 1024 * 1024;
/** PATH of job processes: the system directories only, never the worker's own PATH. */
export const JOB_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface JobLimits {
  /** RLIMIT_CPU: CPU seconds (all threads); default the timeout (≥ 1 s) plus 5. */
  cpuSeconds?: number;
  /** RLIMIT_AS: address space. Node.js needs about 1 GiB of it just to start. */
  memoryBytes: number;
  /** RLIMIT_FSIZE: the largest file a job may write (packages take files up to 50 MiB). */
  fileSizeBytes: number;
  /** RLIMIT_NOFILE. */
  openFiles: number;
  /** RLIMIT_NPROC, counted per OS user, so shared by all jobs; only applied as the job user. */
  processes: number;
}

export const DEFAULT_LIMITS: JobLimits = {
  memoryBytes: 2 * 1024 * 1024 * 1024,
  fileSizeBytes: 64 * 1024 * 1024,
  openFiles: 1024,
  processes: 512,
};

/** The result of the process alone; outputs are read from the job directory afterwards. */
export type ProcessResult = Omit<JobResult, "outputs">;

export interface Supervision {
  jobDir: string;
  /** Runs as this user; undefined: as the worker's own. */
  user?: JobUser;
  /** prlimit's path (util-linux); null: no limits. */
  prlimit: string | null;
  /** Runs the job in this bubblewrap sandbox; undefined: as a plain child process. */
  sandbox?: Sandbox;
  limits: JobLimits;
  /** After SIGTERM on timeout or abort, how long the process group has before SIGKILL. */
  killGraceMs: number;
  logLimitBytes: number;
  signal?: AbortSignal;
}

/** A program from the system directories (prlimit, bwrap), or null when it is not installed. */
export async function findSystemProgram(name: string): Promise<string | null> {
  for (const dir of JOB_PATH.split(":")) {
    const p = path.join(dir, name);
    try {
      await fsp.access(p, fs.constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return null;
}

/**
 * Runs the job's entry with its runtime in `jobDir` and resolves when it has ended: exited, timed
 * out (SIGTERM to the whole group, SIGKILL after the grace period) or aborted. Never rejects.
 */
export function superviseJob(spec: JobSpec, s: Supervision): Promise<ProcessResult> {
  const timeoutS = Math.max(1, Math.ceil(spec.timeoutMs / 1000));
  const l = s.limits;
  const heapMiB = Math.floor(l.memoryBytes / 1024 / 1024);
  // Node's fetch instantiates WebAssembly, which reserves far more address space than RLIMIT_AS
  // allows: Node's memory is capped by its heap limit instead
  const command =
    spec.runtime === "python"
      ? ["python3", "-u", spec.entry]
      : [s.sandbox?.node ?? "node", `--max-old-space-size=${heapMiB}`, spec.entry];
  // one pipe for both streams, so the log keeps their real order
  const shell = ["sh", "-c", 'unset PWD OLDPWD; exec "$@" 2>&1', "sh", ...command];
  // prlimit outside bwrap: the limits hold for the sandbox and everything in it
  const { argv: wrapped, dir: home } = s.sandbox
    ? sandboxed(s.sandbox, s.jobDir, shell)
    : { argv: shell, dir: s.jobDir };
  const argv = s.prlimit
    ? [
        s.prlimit,
        `--cpu=${l.cpuSeconds ?? timeoutS + 5}`,
        ...(spec.runtime === "python" ? [`--as=${l.memoryBytes}`] : []),
        `--fsize=${l.fileSizeBytes}`,
        `--nofile=${l.openFiles}`,
        "--core=0",
        ...(s.user ? [`--nproc=${l.processes}`] : []),
        "--",
        ...wrapped,
      ]
    : wrapped;
  const env: Record<string, string> = {
    PATH: JOB_PATH,
    HOME: home,
    TZ: process.env.TZ || "UTC",
    LANG: "C.UTF-8",
  };
  for (const [k, v] of Object.entries(spec.env)) if (/^RNDFLOW_[A-Z0-9_]+$/.test(k)) env[k] = v;

  const log = new LogCollector(s.logLimitBytes, spec.maskValues);
  const notes: string[] = [];
  const finish = (r: Omit<ProcessResult, "log" | "logTruncated">): ProcessResult => {
    const { log: text, truncated } = log.finish();
    const tail = notes.map((n) => `[keyflow] ${n}\n`).join("");
    const sep = text && !text.endsWith("\n") && tail ? "\n" : "";
    return { ...r, log: text + sep + tail, logTruncated: truncated };
  };

  return new Promise<ProcessResult>((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(argv[0] as string, argv.slice(1), {
        cwd: s.jobDir,
        env,
        detached: true, // its own process group, killed as a whole
        uid: s.user?.uid,
        gid: s.user?.gid,
        stdio: ["ignore", "pipe", "pipe"],
      });
    } catch (e) {
      resolve(finish({ exitCode: null, timedOut: false, error: `could not start: ${(e as Error).message}` }));
      return;
    }
    child.stdout?.on("data", (b: Buffer) => log.push(b));
    child.stderr?.on("data", (b: Buffer) => log.push(b));
    const pgid = child.pid;
    const killGroup = (sig: NodeJS.Signals) => {
      if (pgid === undefined) return;
      try {
        process.kill(-pgid, sig);
      } catch {
        // the group is gone already
      }
    };

    let timedOut = false;
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = (why: string) => {
      notes.push(why);
      killGroup("SIGTERM");
      killTimer ??= setTimeout(() => killGroup("SIGKILL"), s.killGraceMs);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop(`timed out after ${spec.timeoutMs / 1000} s: process group killed`);
    }, spec.timeoutMs);
    const onAbort = () => {
      aborted = true;
      stop("cancelled: the worker is shutting down");
    };
    if (s.signal?.aborted) onAbort();
    else s.signal?.addEventListener("abort", onAbort, { once: true });

    let settled = false;
    const done = (r: Omit<ProcessResult, "log" | "logTruncated">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      s.signal?.removeEventListener("abort", onAbort);
      resolve(finish(r));
    };

    child.on("error", (e) => {
      killGroup("SIGKILL");
      done({ exitCode: null, timedOut, error: `could not start: ${e.message}` });
    });
    child.on("exit", (code, sig) => {
      // background children left in the group do not outlive the job
      killGroup("SIGKILL");
      if (sig) notes.push(`killed by ${sig}`);
      // wait for the pipes to drain, but not for a descendant that left the group and holds them
      const drained = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        end();
      }, 2000);
      const end = () => {
        clearTimeout(drained);
        done({
          exitCode: code,
          timedOut,
          ...(aborted && { error: "cancelled: the worker is shutting down" }),
        });
      };
      if (child.stdout?.closed !== false && child.stderr?.closed !== false) end();
      else child.on("close", end);
    });
  });
}
