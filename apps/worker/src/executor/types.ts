/**
 * The job contract (SPEC §6), independent of where the code runs. `LocalProcessExecutor` runs it
 * as a child process of the worker, in a bubblewrap sandbox by default; a cluster scheduler (e.g. a `KubernetesExecutor` creating one
 * Kubernetes Job per run, with the files in a volume or an init container) would be another class
 * implementing the same interface, not a rewrite.
 */
export interface Executor {
  /** Runs one job to its end (exit, timeout or abort); never throws for a failing job. */
  run(spec: JobSpec, options?: { signal?: AbortSignal }): Promise<JobResult>;
  /** Releases what the executor holds (temporary directories); called when the worker stops. */
  close?(): Promise<void>;
}

export interface JobFile {
  name: string;
  bytes: Buffer;
  /** Written with the executable bit; read back from it. */
  executable?: boolean;
}

export interface JobSpec {
  jobId: number;
  runtime: "node" | "python";
  /** The node's entry file, relative to the job directory. */
  entry: string;
  /** The node's files, laid out at their relative paths in the job directory. */
  files: { path: string; content: Buffer; executable: boolean }[];
  /** The node's parameters: `in/params.json`. */
  params: Record<string, unknown>;
  /** The input package: `in/<packageId>/{label, fields.json, files/…}`. */
  input: { packageId: number; label: string; fields: Record<string, unknown>; files: JobFile[] };
  /** Only `RNDFLOW_*` variables are passed on; PATH, HOME, TZ and LANG are set by the executor. */
  env: Record<string, string>;
  timeoutMs: number;
  /** Replaced by `***` in the log (best effort: only these exact byte strings). */
  maskValues: string[];
}

export interface JobOutput {
  label: string;
  fields: Record<string, unknown>;
  files: JobFile[];
}

export interface JobResult {
  /** null when the process was killed by a signal or never started. */
  exitCode: number | null;
  timedOut: boolean;
  /** stdout and stderr merged, capped, masked; executor notes are lines starting with `[keyflow]`. */
  log: string;
  logTruncated: boolean;
  /** `out/<n>/…` in order of n. */
  outputs: JobOutput[];
  /** Why the run itself failed (could not start, unreadable outputs, aborted), if it did. */
  error?: string;
}
