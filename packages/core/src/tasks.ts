import { type Database, sql, type Transaction } from "@keyflow/db";
import { TASK_MAX_ATTEMPTS, type TaskName, type TaskPayload } from "@keyflow/schemas";

type TaskPayloads = { [K in TaskName]: TaskPayload<K> };

declare global {
  namespace GraphileWorker {
    /** graphile-worker's task registry, so the worker's `Task<name>` handlers get typed payloads. */
    interface Tasks extends TaskPayloads {}
  }
}

const MAX_ATTEMPTS: Partial<Record<TaskName, number>> = TASK_MAX_ATTEMPTS;

/**
 * Queues one graphile-worker job in the caller's transaction: the worker sees it only once that
 * commits, and never after a rollback (SPEC §8). Attempts come from `TASK_MAX_ATTEMPTS`
 * (graphile-worker's default for a task not listed there). With `jobKey`, a job with the same key
 * that has not started yet is replaced rather than added again.
 */
export async function addJob<K extends TaskName>(
  trx: Transaction<Database>,
  task: K,
  payload: TaskPayload<K>,
  options: { jobKey?: string } = {},
): Promise<void> {
  await sql`select graphile_worker.add_job(${task}, ${JSON.stringify(payload ?? {})}::json,
    max_attempts => ${MAX_ATTEMPTS[task] ?? null}::int, job_key => ${options.jobKey ?? null}::text)`.execute(
    trx,
  );
}
