import { type ChildProcess, execFile, spawn } from "node:child_process";
import fs from "node:fs";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { LogCollector } from "./log";
import type { Executor, JobFile, JobOutput, JobResult, JobSpec } from "./types";

const run = promisify(execFile);

export const JOB_USER = "keyflow-job";
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

export interface LocalExecutorOptions {
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
  uid?: number;
  gid?: number;
  prlimit: string | null;
}

/**
 * Runs jobs as local child processes (SPEC §6, §11 "Executor isolation"). Not a security sandbox:
 * it separates jobs from the worker's secrets and files, not from the network or from each other.
 *
 * - a fresh directory per job, `<base>/<random>/<job_id>/`: `<base>` and `<random>` belong to
 *   the worker (0711, so jobs cannot list them and find other jobs' directories), the job
 *   directory to the job user; afterwards it is taken back (root, 0700) before outputs are read,
 *   so nothing the job left running can swap files under the reader, and then removed;
 * - a scrubbed environment: PATH (system directories), HOME (the job directory), TZ, LANG and
 *   the `RNDFLOW_*` variables; nothing else of the worker's (DATABASE_URL, KEYFLOW_SECRET, SMTP);
 * - its own process group (`detached`); a timeout sends SIGTERM to the whole group, then SIGKILL
 *   after a grace period; the group is also killed when the main process exits, so background
 *   children do not outlive the job (a child that calls setsid() leaves the group and escapes);
 * - as root, the unprivileged `keyflow-job` user (all jobs share it: a job can see and signal
 *   another job's processes and read its environment through /proc while both run);
 * - prlimit (util-linux): CPU seconds, address space, file size, open files, processes;
 * - the protected directories (the data directory) are not listable for it, and the secret
 *   files in them are 0600.
 *
 * What jobs can still reach: the network, like any local process — the API (APP_URL) with
 * whatever tokens their secrets hold, PostgreSQL on loopback (which still asks for the generated
 * password), any other service listening on the machine or reachable from it, and
 * world-readable files of the system. Disk use beyond single file sizes is not limited.
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

  /** Checks and prepares once: base directory, job user, prlimit, protected directories. */
  init(): Promise<Ready> {
    this.ready ??= this.prepare();
    return this.ready;
  }

  private async prepare(): Promise<Ready> {
    const protectedDirs = (this.options.protectedDirs ?? []).map((d) => path.resolve(d));
    const base = this.options.baseDir
      ? path.resolve(this.options.baseDir)
      : await fsp.mkdtemp(path.join(os.tmpdir(), "keyflow-jobs-"));
    for (const dir of protectedDirs) {
      if (isInside(base, dir))
        throw new Error(`the job directory ${base} must not be inside the data directory ${dir}`);
    }
    await fsp.mkdir(base, { recursive: true, mode: 0o711 });
    const st = await fsp.lstat(base);
    if (!st.isDirectory() || st.uid !== process.getuid?.())
      throw new Error(`job base ${base} must be a directory owned by the worker's user`);
    await fsp.chmod(base, 0o711);

    const isRoot = process.getuid?.() === 0;
    const userName = this.options.user === undefined ? (isRoot ? JOB_USER : null) : this.options.user;
    let uid: number | undefined;
    let gid: number | undefined;
    if (userName) {
      ({ uid, gid } = await ensureUser(userName));
      // the job user must be able to reach its directory: every parent of the base traversable
      for (let dir = path.dirname(base); ; dir = path.dirname(dir)) {
        if (((await fsp.stat(dir)).mode & 0o001) === 0)
          throw new Error(`the job user cannot traverse ${dir} (a parent of the job directory ${base})`);
        if (dir === path.dirname(dir)) break;
      }
      for (const dir of protectedDirs) {
        const s = await fsp.stat(dir).catch(() => null);
        // others keep x (the postgres user traverses it), lose r/w: nothing to list or write
        if (s?.isDirectory() && (s.mode & 0o006) !== 0) await fsp.chmod(dir, s.mode & ~0o006);
      }
    }
    const prlimit = await findExecutable("prlimit");
    if (!prlimit) this.note("prlimit (util-linux) not found: jobs run without CPU/memory/file limits");
    return { base, uid, gid, prlimit };
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
        await layOut(jobDir, spec);
      } catch (e) {
        return failed(`could not prepare the job directory: ${(e as Error).message}`);
      }
      if (ready.uid !== undefined && ready.gid !== undefined) await chownTree(jobDir, ready.uid, ready.gid);
      const result = await this.spawnJob(spec, jobDir, ready, options.signal);
      // take the directory back before reading: the job user can no longer change what we read
      if (ready.uid !== undefined) {
        await fsp.chown(jobDir, process.getuid?.() ?? 0, process.getgid?.() ?? 0);
        await fsp.chmod(jobDir, 0o700);
      }
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

  private spawnJob(spec: JobSpec, jobDir: string, ready: Ready, signal?: AbortSignal): Promise<JobResult> {
    const timeoutS = Math.max(1, Math.ceil(spec.timeoutMs / 1000));
    const l = this.limits;
    const heapMiB = Math.floor(l.memoryBytes / 1024 / 1024);
    // Node's fetch instantiates WebAssembly, which reserves far more address space than RLIMIT_AS
    // allows: Node's memory is capped by its heap limit instead
    const command =
      spec.runtime === "python"
        ? ["python3", "-u", spec.entry]
        : ["node", `--max-old-space-size=${heapMiB}`, spec.entry];
    // one pipe for both streams, so the log keeps their real order
    const merged = ["sh", "-c", 'unset PWD OLDPWD; exec "$@" 2>&1', "sh", ...command];
    const argv = ready.prlimit
      ? [
          ready.prlimit,
          `--cpu=${l.cpuSeconds ?? timeoutS + 5}`,
          ...(spec.runtime === "python" ? [`--as=${l.memoryBytes}`] : []),
          `--fsize=${l.fileSizeBytes}`,
          `--nofile=${l.openFiles}`,
          "--core=0",
          ...(ready.uid !== undefined ? [`--nproc=${l.processes}`] : []),
          "--",
          ...merged,
        ]
      : merged;
    const env: Record<string, string> = {
      PATH: JOB_PATH,
      HOME: jobDir,
      TZ: process.env.TZ || "UTC",
      LANG: "C.UTF-8",
    };
    for (const [k, v] of Object.entries(spec.env)) if (/^RNDFLOW_[A-Z0-9_]+$/.test(k)) env[k] = v;

    const log = new LogCollector(this.options.logLimitBytes ?? LOG_LIMIT_BYTES, spec.maskValues);
    const notes: string[] = [];
    const finish = (r: Omit<JobResult, "log" | "logTruncated" | "outputs">): JobResult => {
      const { log: text, truncated } = log.finish();
      const tail = notes.map((n) => `[keyflow] ${n}\n`).join("");
      const sep = text && !text.endsWith("\n") && tail ? "\n" : "";
      return { ...r, log: text + sep + tail, logTruncated: truncated, outputs: [] };
    };

    return new Promise<JobResult>((resolve) => {
      let child: ChildProcess;
      try {
        child = spawn(argv[0] as string, argv.slice(1), {
          cwd: jobDir,
          env,
          detached: true, // its own process group, killed as a whole
          uid: ready.uid,
          gid: ready.gid,
          stdio: ["ignore", "pipe", "pipe"],
        });
      } catch (e) {
        resolve(
          finish({ exitCode: null, timedOut: false, error: `could not start: ${(e as Error).message}` }),
        );
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
        killTimer ??= setTimeout(() => killGroup("SIGKILL"), this.options.killGraceMs ?? 2000);
      };
      const timer = setTimeout(() => {
        timedOut = true;
        stop(`timed out after ${spec.timeoutMs / 1000} s: process group killed`);
      }, spec.timeoutMs);
      const onAbort = () => {
        aborted = true;
        stop("cancelled: the worker is shutting down");
      };
      if (signal?.aborted) onAbort();
      else signal?.addEventListener("abort", onAbort, { once: true });

      let settled = false;
      const done = (r: Omit<JobResult, "log" | "logTruncated" | "outputs">) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearTimeout(killTimer);
        signal?.removeEventListener("abort", onAbort);
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
}

function failed(error: string): JobResult {
  return { exitCode: null, timedOut: false, log: "", logTruncated: false, outputs: [], error };
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/** A relative path inside `dir`, or an error (node files and package file names are validated on save too). */
function within(dir: string, rel: string): string {
  const p = path.resolve(dir, rel);
  if (!isInside(p, dir) || p === dir) throw new Error(`unsafe path ${JSON.stringify(rel)}`);
  return p;
}

async function writeFile(file: string, content: Buffer | string, executable = false) {
  await fsp.mkdir(path.dirname(file), { recursive: true, mode: 0o755 });
  await fsp.writeFile(file, content, { mode: executable ? 0o755 : 0o644, flag: "wx" });
}

/** `<job>/` with the node's files, `in/params.json`, `in/<package>/{label, fields.json, files/…}`, `out/`. */
async function layOut(jobDir: string, spec: JobSpec): Promise<void> {
  await fsp.mkdir(jobDir, { mode: 0o700 });
  within(jobDir, spec.entry);
  // package inputs first, so a node file cannot take their place
  const input = path.join(jobDir, "in", String(spec.input.packageId));
  await writeFile(path.join(jobDir, "in", "params.json"), JSON.stringify(spec.params));
  await writeFile(path.join(input, "label"), spec.input.label);
  await writeFile(path.join(input, "fields.json"), JSON.stringify(spec.input.fields));
  await fsp.mkdir(path.join(input, "files"), { recursive: true, mode: 0o755 });
  for (const f of spec.input.files)
    await writeFile(within(path.join(input, "files"), f.name), f.bytes, f.executable);
  await fsp.mkdir(path.join(jobDir, "out"), { mode: 0o755 });
  for (const f of spec.files) {
    const rel = f.path.split("/")[0];
    if (rel === "in" || rel === "out") throw new Error(`node file ${f.path} collides with in/ or out/`);
    await writeFile(within(jobDir, f.path), f.content, f.executable);
  }
}

/** Hands the tree we just created to the job user (no symlinks in it: we made every entry). */
async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  await fsp.lchown(dir, uid, gid);
  for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) await chownTree(p, uid, gid);
    else await fsp.lchown(p, uid, gid);
  }
}

const MAX_OUTPUTS = 1000;
const MAX_FILES_PER_OUTPUT = 100;
const MAX_OUTPUT_FILE_BYTES = 50 * 1024 * 1024;
const MAX_SMALL_FILE_BYTES = 1024 * 1024; // label and fields.json (their limits are lower still)

/** Reads a regular file, never through a symlink. */
async function readRegular(file: string, maxBytes: number): Promise<{ bytes: Buffer; executable: boolean }> {
  const fh = await fsp.open(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new Error(`${file} is not a regular file`);
    if (st.size > maxBytes) throw new Error(`${path.basename(file)} is larger than ${maxBytes} bytes`);
    return { bytes: await fh.readFile(), executable: (st.mode & 0o100) !== 0 };
  } finally {
    await fh.close();
  }
}

async function optional<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

async function realDir(dir: string): Promise<boolean> {
  const st = await optional(fsp.lstat(dir));
  if (!st) return false;
  if (!st.isDirectory()) throw new Error(`${path.basename(dir)} must be a directory`);
  return true;
}

/** `out/<n>/{label, fields.json, files/…}` for every n, in numeric (then name) order. */
export async function readOutputs(outDir: string): Promise<JobOutput[]> {
  if (!(await realDir(outDir))) return [];
  const names = (await fsp.readdir(outDir)).sort((a, b) => {
    const [x, y] = [Number(a), Number(b)];
    if (Number.isInteger(x) && Number.isInteger(y)) return x - y;
    return a < b ? -1 : a > b ? 1 : 0;
  });
  if (names.length > MAX_OUTPUTS) throw new Error(`more than ${MAX_OUTPUTS} outputs`);
  const outputs: JobOutput[] = [];
  for (const name of names) {
    const dir = path.join(outDir, name);
    if (!(await realDir(dir))) continue;
    const label = await optional(readRegular(path.join(dir, "label"), MAX_SMALL_FILE_BYTES));
    const fieldsFile = await optional(readRegular(path.join(dir, "fields.json"), MAX_SMALL_FILE_BYTES));
    let fields: Record<string, unknown> = {};
    if (fieldsFile) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(fieldsFile.bytes.toString("utf8"));
      } catch {
        throw new Error(`out/${name}/fields.json is not valid JSON`);
      }
      fields = toFields(parsed, name);
    }
    const files: JobFile[] = [];
    await collectFiles(path.join(dir, "files"), "", files, name);
    // a label written with a trailing newline (echo, print) means the text before it
    outputs.push({ label: label ? label.bytes.toString("utf8").replace(/\r?\n$/, "") : "", fields, files });
  }
  return outputs;
}

/** fields.json: an object `{name: value}`, or the RnDFlow list `[{name, value}]`. */
function toFields(parsed: unknown, out: string): Record<string, unknown> {
  if (Array.isArray(parsed)) {
    const fields: Record<string, unknown> = {};
    for (const item of parsed) {
      const f = item as { name?: unknown; value?: unknown } | null;
      if (typeof f?.name !== "string")
        throw new Error(`out/${out}/fields.json: a list must hold {name, value} objects`);
      fields[f.name] = f.value;
    }
    return fields;
  }
  if (parsed !== null && typeof parsed === "object") return parsed as Record<string, unknown>;
  throw new Error(`out/${out}/fields.json must hold a JSON object`);
}

async function collectFiles(dir: string, prefix: string, files: JobFile[], out: string): Promise<void> {
  if (!(await realDir(dir))) return;
  for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) await collectFiles(path.join(dir, e.name), rel, files, out);
    else if (e.isFile()) {
      if (files.length >= MAX_FILES_PER_OUTPUT)
        throw new Error(`out/${out}/files holds more than ${MAX_FILES_PER_OUTPUT} files`);
      const f = await readRegular(path.join(dir, e.name), MAX_OUTPUT_FILE_BYTES);
      files.push({ name: rel, bytes: f.bytes, executable: f.executable });
    } else throw new Error(`out/${out}/files/${rel} is not a regular file (symlinks are refused)`);
  }
}

/** The job user's ids; created (system user, no home, no login) when missing. */
async function ensureUser(name: string): Promise<{ uid: number; gid: number }> {
  const ids = async () => ({
    uid: Number((await run("id", ["-u", name])).stdout.trim()),
    gid: Number((await run("id", ["-g", name])).stdout.trim()),
  });
  try {
    return await ids();
  } catch {
    try {
      await run("useradd", [
        "--system",
        "--no-create-home",
        "--user-group",
        "--home-dir",
        "/nonexistent",
        "--shell",
        "/usr/sbin/nologin",
        name,
      ]);
    } catch (e) {
      // another worker created it meanwhile (exit 9: already exists)
      if ((e as { code?: number }).code !== 9)
        throw new Error(`useradd ${name} failed: ${(e as Error).message}`);
    }
    return ids();
  }
}

async function findExecutable(name: string): Promise<string | null> {
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
