import { apiKeys } from "@keyflow/core";
import type { Db } from "@keyflow/db";
import { TASKS } from "@keyflow/schemas";
import { defineTask } from "../defineTask";
import { logger } from "../logger";

export interface NotifyExpiryDeps {
  db: Db;
}

/**
 * The crontab line that runs the expiry notices every minute (once across workers, like the usage
 * rollup; the job key keeps at most one waiting).
 */
export const NOTIFY_EXPIRY_CRON = `* * * * * ${TASKS.notifyExpiry} ?jobKey=${TASKS.notifyExpiry}`;

/**
 * `notify_expiry`: e-mails holders whose keys expire in 7 days, in a day, or just expired (see
 * core's `sendExpiryNotices`). Idempotent, also with several workers and jobs at once: each notice
 * is claimed and marked in the transaction that queues its e-mail. Never throws: the next minute
 * retries.
 */
export function notifyExpiry(deps: NotifyExpiryDeps) {
  return defineTask(TASKS.notifyExpiry, async () => {
    try {
      const r = await apiKeys.sendExpiryNotices(deps.db, new Date());
      const sent = r.early + r.last + r.expired;
      logger[sent + r.stale > 0 ? "info" : "debug"](r, "expiry notices");
    } catch (err) {
      logger.error({ err: (err as Error).message }, "expiry notices failed; the next scheduled run retries");
    }
  });
}
