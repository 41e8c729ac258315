import { type Db, sql } from "@keyflow/db";
import type { TaskName } from "@keyflow/schemas";

export interface QueuedJob {
  id: string;
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
  /** Waiting for its run time (a retry's backoff), not runnable yet. */
  later: boolean;
  payload: unknown;
}

/**
 * graphile-worker's jobs of `task` still in its queue, oldest first: waiting, running or failed
 * (a job that succeeded is deleted). The public `graphile_worker.jobs` view has no payload
 * column, hence the private tables (graphile-worker 0.17).
 */
export async function queuedJobs(db: Db, task: TaskName): Promise<QueuedJob[]> {
  const r = await sql<QueuedJob>`
    select j.id::text as id, j.attempts, j.max_attempts as "maxAttempts", j.last_error as "lastError",
           j.run_at > now() as later, j.payload
      from graphile_worker._private_jobs j
      join graphile_worker._private_tasks t on t.id = j.task_id
     where t.identifier = ${task}
     order by j.id`.execute(db);
  return r.rows;
}
