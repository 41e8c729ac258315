import { type TaskName, type TaskPayload, taskPayloads } from "@keyflow/schemas";
import type { JobHelpers, Task } from "graphile-worker";
import { logger } from "./logger";

/**
 * Logs a job whose payload cannot be run; the task then returns normally, so the job leaves the
 * queue: retrying cannot fix it. `problems` name fields, never their values (payloads hold addresses).
 */
export function logMalformed(task: TaskName, helpers: JobHelpers, problems: string[]): void {
  logger.error({ task, jobId: helpers.job.id, problems }, `${task}: malformed payload, job dropped`);
}

/** A graphile-worker task that runs only on a payload matching its contract in `taskPayloads`. */
export function defineTask<K extends TaskName>(
  task: K,
  run: (payload: TaskPayload<K>, helpers: JobHelpers) => Promise<void>,
): Task<K> {
  return async (payload, helpers) => {
    const checked = taskPayloads[task].safeParse(payload);
    if (!checked.success) {
      const problems = checked.error.issues.map((i) => `${i.path.join(".") || "payload"}: ${i.message}`);
      logMalformed(task, helpers, problems);
      return;
    }
    // the schema picked by `task` parses to that task's payload
    await run(checked.data as TaskPayload<K>, helpers);
  };
}
