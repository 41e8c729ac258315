import { type Db, sql } from "@keyflow/db";
import { JOB_KEY_PREFIX } from "./queue";

/** The error of a `running` job whose worker died (crash, kill, lost machine) while running it. */
export const INTERRUPTED_ERROR = "interrupted: the worker running it stopped";
/** The error of a `queued` job whose graphile-worker job is gone, so nothing will ever run it. */
export const LOST_ERROR = "lost: its queue entry is gone, so it never ran";

/** Beyond the node's timeout, how long a running job may take to be killed and recorded. */
export const RUNNING_GRACE_S = 120;
/** How old a queued job must be before a missing queue entry counts as lost. */
export const LOST_AFTER_S = 600;

export interface SweepResult {
  /** `running` jobs past their node's timeout + {@link RUNNING_GRACE_S}, now `failed`. */
  interrupted: number;
  /** `queued` jobs without a runnable graphile-worker job, older than {@link LOST_AFTER_S}, now `failed`. */
  lost: number;
}

/**
 * Finishes jobs no worker will ever finish, so they stop showing as busy and stop counting toward
 * the per-project cap on unfinished jobs:
 * - `running` whose `started_at` is older than the node's `timeout_s` + {@link RUNNING_GRACE_S}: a
 *   live worker kills a job at its timeout and records it within seconds, so its worker stopped;
 * - `queued` older than {@link LOST_AFTER_S} whose graphile-worker job (key `job:<id>`) is missing,
 *   or has used up its attempts (node jobs have one) and is not freshly locked by a runner.
 *
 * Both are conditional updates on the state, so a worker claiming or finishing the job at the same
 * moment wins or loses cleanly (`claimJob` / `finishJob` then see a non-matching state). Running it
 * again, or on several workers at once, is harmless.
 */
export async function sweepStaleJobs(db: Db, now: Date = new Date()): Promise<SweepResult> {
  const interrupted = await sql<{ id: number }>`
    update jobs as j
       set state = 'failed', error = ${INTERRUPTED_ERROR}, finished_at = ${now}::timestamptz
      from nodes as n
     where n.id = j.node_id
       and j.state = 'running'
       and coalesce(j.started_at, j.created_at)
           < ${now}::timestamptz - make_interval(secs => n.timeout_s + ${RUNNING_GRACE_S})
    returning j.id`.execute(db);
  const lost = await sql<{ id: number }>`
    update jobs as j
       set state = 'failed', error = ${LOST_ERROR}, finished_at = ${now}::timestamptz
     where j.state = 'queued'
       and j.created_at < ${now}::timestamptz - make_interval(secs => ${LOST_AFTER_S})
       and not exists (
         select 1 from graphile_worker.jobs as g
          where g.key = ${JOB_KEY_PREFIX}::text || j.id
            and (g.attempts < g.max_attempts
                 or g.locked_at > ${now}::timestamptz - make_interval(secs => ${LOST_AFTER_S})))
    returning j.id`.execute(db);
  return { interrupted: interrupted.rows.length, lost: lost.rows.length };
}
