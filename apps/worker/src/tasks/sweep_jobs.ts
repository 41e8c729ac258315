import { jobs } from "@keyflow/core";
import type { Db } from "@keyflow/db";
import { TASKS } from "@keyflow/schemas";
import { defineTask } from "../defineTask";
import { logger } from "../logger";

export interface SweepJobsDeps {
  db: Db;
}

/**
 * The crontab line that runs the sweep every minute (once across workers, like the usage rollup;
 * the job key keeps at most one waiting).
 */
export const SWEEP_JOBS_CRON = `* * * * * ${TASKS.sweepJobs} ?jobKey=${TASKS.sweepJobs}`;

/**
 * Marks node jobs no worker will finish as `failed` (see core's `sweepStaleJobs`) and logs what
 * it found. Never throws: the outcome is logged and the next run retries.
 */
export async function sweepJobsOnce(db: Db, when: string): Promise<jobs.SweepResult | null> {
  try {
    const r = await jobs.sweepStaleJobs(db);
    if (r.interrupted > 0 || r.lost > 0)
      logger.warn(
        { ...r, when },
        "node jobs left behind by a stopped worker or a lost queue entry marked failed",
      );
    return r;
  } catch (err) {
    logger.error({ err: (err as Error).message, when }, "sweeping stale node jobs failed");
    return null;
  }
}

/** `sweep_jobs`: the every-minute crash recovery for node jobs (SPEC §6 job states). */
export function sweepJobs(deps: SweepJobsDeps) {
  return defineTask(TASKS.sweepJobs, async () => {
    await sweepJobsOnce(deps.db, "cron");
  });
}
