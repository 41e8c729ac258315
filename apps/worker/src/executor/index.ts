export {
  DEFAULT_LIMITS,
  JOB_PATH,
  JOB_USER,
  type JobLimits,
  LOG_LIMIT_BYTES,
  type LocalExecutorOptions,
  LocalProcessExecutor,
  readOutputs,
} from "./local";
export { LogCollector, maskBytes } from "./log";
export type { Executor, JobFile, JobOutput, JobResult, JobSpec } from "./types";
