import { usage } from "@keyflow/core";
import type { Db } from "@keyflow/db";
import { TASKS } from "@keyflow/schemas";
import { defineTask } from "../defineTask";
import { logger } from "../logger";

export interface RollupUsageDeps {
  db: Db;
}

/**
 * The crontab line (graphile-worker syntax) that schedules the rollup every minute. graphile-worker
 * records each scheduled minute in `known_crontabs`, so with several workers it is queued once; the
 * job key keeps at most one rollup waiting when the runners are busy (a newer one replaces it).
 */
export const ROLLUP_USAGE_CRON = `* * * * * ${TASKS.rollupUsage} ?jobKey=${TASKS.rollupUsage}`;

/**
 * `rollup_usage`: recomputes the hourly usage buckets from raw events and drops raw events past
 * their retention (SPEC §7). Idempotent; several workers may run it at once, core serialises them
 * with an advisory lock. graphile-worker's crontab schedules each minute once across all workers.
 */
export function rollupUsage(deps: RollupUsageDeps) {
  return defineTask(TASKS.rollupUsage, async () => {
    const started = Date.now();
    try {
      const r = await usage.rollupUsage(deps.db);
      // every run recomputes the last rolled hour; a new complete hour is the news worth a line
      const newHour = r.to.getTime() - r.from.getTime() > 3_600_000;
      logger[newHour ? "info" : "debug"](
        { from: r.from.toISOString(), to: r.to.toISOString(), buckets: r.buckets, ms: Date.now() - started },
        "usage rolled up",
      );
    } catch (err) {
      // not rethrown: a failed run would otherwise stay in the job table; the next minute retries
      logger.error({ err: (err as Error).message }, "usage rollup failed; the next scheduled run retries");
    }
  });
}
