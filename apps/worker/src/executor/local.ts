import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { isInside, readOutputs, writeJobDir } from "./layout";
import { prepareSandbox, type Sandbox } from "./sandbox";
import {
  DEFAULT_LIMITS,
  findSystemProgram,
  type JobLimits,
  LOG_LIMIT_BYTES,
  superviseJob,
} from "./supervise";
import type { Executor, JobResult, JobSpec } from "./types";
import { handOver, type JobUser, prepareJobUser, takeBack } from "./user";

export interface LocalExecutorOptions {
  /**
   * Runs every job in a bubblewrap sandbox (`sandbox.ts`); default true. `init()` rejects with a
   * `SandboxUnavailableError` when bwrap is missing or cannot create namespaces here.
   */
  sandbox?: boolean;
  /** bwrap's path; default found in the system directories. */
  bwrap?: string;
  /** Where job directories are made; default a fresh `keyflow-jobs-*` under the OS temp dir. */
  baseDir?: string;
  /**
   * Directories jobs must not read, default none; the worker passes the data directory
   * (`KEYFLOW_DATA_DIR`). The base dir may not be inside one, and when running as root each is
   * made non-listable for others (mode o-rw: the postgres user still traverses it); its files are
   * created 0600 by the processes that write them.
   */
  protectedDirs?: string[];
  /**
   * The OS user jobs run as. Default: when the worker runs as root, `keyflow-job` (created with
   * useradd if missing); otherwise jobs run as the worker's own user (no privilege boundary).
   */
  user?: string | null;
  limits?: Partial<JobLimits>;
  /** After SIGTERM on timeout, how long the process group has before SIGKILL. */
  killGraceMs?: number;
  logLimitBytes?: number;
  /** Logs the executor's own notes (never job output). */
  onNote?: (message: string, data?: Record<string, unknown>) => void;
}

interface Ready {
  base: string;
  user?: JobUser;
  prlimit: string | null;
  sandbox?: Sandbox;
}

/**
 * Runs jobs as local child processes (SPEC §6, §11 "Executor isolation"), by default each in its
 * own bubblewrap sandbox:
 *
 * - a fresh directory per job, `<base>/<random>/<job_id>/`: `<base>` and `<random>` belong to
 *   the worker (0711, so jobs cannot list them and find other jobs' directories), the job
 *   directory to the job user; afterwards it is taken back (root, 0700) before outputs are read,
 *   so nothing the job left running can swap files under the reader, and then removed;
 * - a scrubbed environment: PATH (system directories), HOME (the job directory), TZ, LANG and
 *   the `RNDFLOW_*` variables; nothing else of the worker's (DATABASE_URL, KEYFLOW_SECRET, SMTP);
 * - its own process group (`detached`); a timeout sends SIGTERM to the whole group, then SIGKILL
 *   after a grace period; the group is also killed when the main process exits;
 * - as root, the unprivileged `keyflow-job` user;
 * - prlimit (util-linux): CPU seconds, address space, file size, open files, processes;
 * - the protected directories (the data directory) are not listable for it, and the secret
 *   files in them are 0600;
 * - sandboxed (`sandbox.ts`): its own user, PID, IPC and UTS namespaces, so it sees only its own
 *   processes (not other jobs', not the worker's) and no child outlives it; the system read-only
 *   with only the parts of /etc jobs need; private, empty /tmp and /dev/shm; its directory as
 *   `/jobs/<id>`, the only writable path that outlives it; no data directory, checkout, home
 *   directories or /run (no PostgreSQL socket).
 *
 * Unsandboxed (`sandbox: false`, KEYFLOW_SANDBOX=off) all jobs share one user: a job can see and
 * signal another job's processes and read its environment through /proc while both run, it reads
 * every world-readable file, and a child that calls setsid() escapes the group kill.
 *
 * What jobs can still reach: the network, like any local process — the API (APP_URL) with
 * whatever tokens their secrets hold, PostgreSQL on loopback (which still asks for the generated
 * password), any other service listening on the machine or reachable from it. Disk use beyond
 * single file sizes is not limited.
 *
 * The parts: `layout.ts` (the job directory), `user.ts` (the OS user), `sandbox.ts` (bwrap),
 * `supervise.ts` (the process).
 */
export class LocalProcessExecutor implements Executor {
  private ready: Promise<Ready> | undefined;
  private readonly limits: JobLimits;

  constructor(private readonly options: LocalExecutorOptions = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
  }

  private note(message: string, data?: Record<string, unknown>) {
    this.options.onNote?.(message, data);
  }

  /** Checks and prepares once: base directory, job user, prlimit, protected directories, sandbox. */
  init(): Promise<Ready> {
    this.ready ??= this.prepare();
    return this.ready;
  }

  private async prepare(): Promise<Ready> {
    if (this.options.baseDir) return this.prepareIn(path.resolve(this.options.baseDir));
    const base = await fsp.mkdtemp(path.join(os.tmpdir(), "keyflow-jobs-"));
    try {
      return await this.prepareIn(base);
    } catch (e) {
      // close() cannot remove it: it was never ready
      await fsp.rm(base, { recursive: true, force: true });
      throw e;
    }
  }

  private async prepareIn(base: string): Promise<Ready> {
    const protectedDirs = (this.options.protectedDirs ?? []).map((d) => path.resolve(d));
    for (const dir of protectedDirs) {
      if (isInside(base, dir))
        throw new Error(`the job directory ${base} must not be inside the data directory ${dir}`);
    }
    await fsp.mkdir(base, { recursive: true, mode: 0o711 });
    const st = await fsp.lstat(base);
    if (!st.isDirectory() || st.uid !== process.getuid?.())
      throw new Error(`job base ${base} must be a directory owned by the worker's user`);
    await fsp.chmod(base, 0o711);

    const user = await prepareJobUser(this.options.user, base, protectedDirs);
    const prlimit = await findSystemProgram("prlimit");
    if (!prlimit) this.note("prlimit (util-linux) not found: jobs run without CPU/memory/file limits");
    if (this.options.sandbox === false) return { base, user, prlimit };
    const bwrap = this.options.bwrap ?? (await findSystemProgram("bwrap"));
    return { base, user, prlimit, sandbox: await prepareSandbox({ bwrap, base, user }) };
  }

  /** Removes the base directory when the executor made it (a fresh one under the temp dir). */
  async close(): Promise<void> {
    if (this.options.baseDir || !this.ready) return;
    const ready = await this.ready.catch(() => null);
    if (ready) await fsp.rm(ready.base, { recursive: true, force: true });
  }

  async run(spec: JobSpec, options: { signal?: AbortSignal } = {}): Promise<JobResult> {
    const ready = await this.init();
    const container = await fsp.mkdtemp(path.join(ready.base, `${spec.jobId}-`));
    try {
      await fsp.chmod(container, 0o711);
      const jobDir = path.join(container, String(spec.jobId));
      try {
        await writeJobDir(jobDir, spec);
      } catch (e) {
        return failed(`could not prepare the job directory: ${(e as Error).message}`);
      }
      if (ready.user) await handOver(jobDir, ready.user);
      const ran = await superviseJob(spec, {
        jobDir,
        user: ready.user,
        prlimit: ready.prlimit,
        sandbox: ready.sandbox,
        limits: this.limits,
        killGraceMs: this.options.killGraceMs ?? 2000,
        logLimitBytes: this.options.logLimitBytes ?? LOG_LIMIT_BYTES,
        signal: options.signal,
      });
      const result: JobResult = { ...ran, outputs: [] };
      // take the directory back before reading: the job user can no longer change what we read
      if (ready.user) await takeBack(jobDir);
      if (result.error === undefined) {
        try {
          result.outputs = await readOutputs(path.join(jobDir, "out"));
        } catch (e) {
          result.error = `could not read the outputs: ${(e as Error).message}`;
        }
      }
      return result;
    } finally {
      await fsp.rm(container, { recursive: true, force: true }).catch((e: Error) => {
        this.note("could not remove a job directory", { dir: container, err: e.message });
      });
    }
  }
}

function failed(error: string): JobResult {
  return { exitCode: null, timedOut: false, log: "", logTruncated: false, outputs: [], error };
}
