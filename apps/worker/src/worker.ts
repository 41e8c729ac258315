import { assertMasterSecret, Keyring } from "@keyflow/core";
import { createDb, createPool, dataDir } from "@keyflow/db";
import { run } from "graphile-worker";
import nodemailer from "nodemailer";
import { DEFAULT_MAIL_FROM } from "./config";
import { type DevSmtp, startDevSmtp } from "./devSmtp";
import { type Executor, LocalProcessExecutor } from "./executor/index";
import { graphileLogger, logger } from "./logger";
import { taskList } from "./tasks/index";
import { ROLLUP_USAGE_CRON } from "./tasks/rollup_usage";
import { SWEEP_JOBS_CRON, sweepJobsOnce } from "./tasks/sweep_jobs";

/** The default crontab: the usage rollup and the stale-job sweep, each every minute. */
export const DEFAULT_CRONTAB = `${ROLLUP_USAGE_CRON}\n${SWEEP_JOBS_CRON}`;

export interface StartWorkerOptions {
  databaseUrl: string;
  /** Unset: start the local SMTP capture and send there. */
  smtpUrl?: string;
  appUrl: string;
  mailFrom?: string;
  concurrency?: number;
  /**
   * KEYFLOW_SECRET. Given (as main.ts always does), start-up is refused when the database was set
   * up with a different one (SPEC §11); the first process to start records its check value.
   */
  secret?: string;
  /** graphile-worker crontab; default {@link DEFAULT_CRONTAB} (usage rollup and job sweep, every minute). */
  crontab?: string;
  /** Runs node jobs; default local child processes, kept away from the data directory. */
  executor?: Executor;
}

export interface RunningWorker {
  /** Where e-mail goes: SMTP_URL, or the local capture's address. */
  smtpUrl: string;
  /** Settles when the job runner stops; rejects if it fails on its own. */
  done: Promise<void>;
  /** Finishes running jobs, then releases the SMTP capture and the database pool. */
  stop: () => Promise<void>;
}

export async function startWorker(options: StartWorkerOptions): Promise<RunningWorker> {
  const concurrency = options.concurrency ?? 4;
  // jobs + graphile-worker's LISTEN connection + the capture's inserts
  const pool = createPool(options.databaseUrl, { max: concurrency + 3 });
  const db = createDb(pool);
  let capture: DevSmtp | undefined;
  try {
    const keyring = options.secret !== undefined ? new Keyring(options.secret) : undefined;
    if (keyring) await assertMasterSecret(db, keyring);
    const executor = options.executor ?? defaultExecutor();
    if (!options.smtpUrl) {
      capture = await startDevSmtp({ db });
      logger.info({ port: capture.port }, "SMTP_URL unset: local SMTP capture feeds the Dev mailbox");
    }
    const smtpUrl = options.smtpUrl ?? (capture as DevSmtp).url;
    const transport = nodemailer.createTransport(smtpUrl);
    // jobs a previous worker left `running` when it died, before this one takes new work
    await sweepJobsOnce(db, "start");
    const runner = await run({
      pgPool: pool,
      concurrency,
      // the process decides how to stop (see main.ts); graphile-worker's handlers would re-raise
      noHandleSignals: true,
      logger: graphileLogger,
      // given in code, so graphile-worker does not look for a crontab file
      crontab: options.crontab ?? DEFAULT_CRONTAB,
      taskList: taskList({
        db,
        transport,
        appUrl: options.appUrl,
        mailFrom: options.mailFrom ?? DEFAULT_MAIL_FROM,
        keyring,
        executor,
      }),
    });
    let stopped: Promise<void> | undefined;
    return {
      smtpUrl,
      done: runner.promise,
      stop: () => {
        stopped ??= (async () => {
          await runner.stop();
          await executor.close?.();
          transport.close();
          await capture?.stop();
          await pool.end();
        })();
        return stopped;
      },
    };
  } catch (e) {
    await capture?.stop();
    await pool.end();
    throw e;
  }
}

/** Local child processes; prepared now (job user, limits, data directory) so problems show at start. */
function defaultExecutor(): Executor {
  const executor = new LocalProcessExecutor({
    protectedDirs: [dataDir()],
    onNote: (message, data) => logger.warn(data ?? {}, message),
  });
  executor.init().catch((err: Error) => logger.error({ err: err.message }, "node jobs cannot run"));
  return executor;
}
