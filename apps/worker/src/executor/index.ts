export { readOutputs } from "./layout";
export { type LocalExecutorOptions, LocalProcessExecutor } from "./local";
export { LogCollector, maskBytes } from "./log";
export { JOBS_MOUNT, SandboxUnavailableError } from "./sandbox";
export { type ExecutorLog, type WorkerExecutorOptions, workerExecutor } from "./select";
export { DEFAULT_LIMITS, JOB_PATH, type JobLimits, LOG_LIMIT_BYTES } from "./supervise";
export type { Executor, JobFile, JobOutput, JobResult, JobSpec } from "./types";
export { JOB_USER } from "./user";
