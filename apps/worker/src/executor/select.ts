import { LocalProcessExecutor } from "./local";
import { SandboxUnavailableError } from "./sandbox";
import type { Executor } from "./types";

// Which executor the worker runs node jobs with (KEYFLOW_SANDBOX), checked before it takes work.

export interface ExecutorLog {
  warn(data: object, message: string): void;
  error(data: object, message: string): void;
}

export interface WorkerExecutorOptions {
  /** false only when KEYFLOW_SANDBOX=off is set explicitly. */
  sandbox: boolean;
  /** The data directory: never reachable from jobs. */
  protectedDirs: string[];
  log: ExecutorLog;
  /** bwrap's path; default found in the system directories. */
  bwrap?: string;
}

/**
 * The local executor, sandboxed unless turned off, prepared now so problems show at start. Rejects
 * with a {@link SandboxUnavailableError} (the worker refuses to start) when the sandbox cannot
 * work here; other preparation errors are logged and fail each job, as they would later.
 */
export async function workerExecutor(options: WorkerExecutorOptions): Promise<Executor> {
  const { log } = options;
  if (!options.sandbox)
    log.warn(
      {},
      "KEYFLOW_SANDBOX=off: node jobs run without the bubblewrap sandbox and can see other jobs' processes and environments",
    );
  const executor = new LocalProcessExecutor({
    sandbox: options.sandbox,
    bwrap: options.bwrap,
    protectedDirs: options.protectedDirs,
    onNote: (message, data) => log.warn(data ?? {}, message),
  });
  try {
    await executor.init();
  } catch (e) {
    if (e instanceof SandboxUnavailableError) throw e;
    log.error({ err: (e as Error).message }, "node jobs cannot run");
  }
  return executor;
}
