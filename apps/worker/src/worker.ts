import { EventEmitter } from "node:events";
import { assertMasterSecret, Keyring } from "@keyflow/core";
import { createDb, createPool, dataDir } from "@keyflow/db";
import { TASKS } from "@keyflow/schemas";
import { makeWorkerUtils, run, type WorkerEvents } from "graphile-worker";
import nodemailer from "nodemailer";
import { DEFAULT_MAIL_FROM, sandboxSetting } from "./config";
import { type DevSmtp, startDevSmtp } from "./devSmtp";
import { type Executor, workerExecutor } from "./executor/index";
import { deadAfterFromEnv, type Heartbeats, startHeartbeats } from "./heartbeat";
import { graphileLogger, logger } from "./logger";
import { taskList } from "./tasks/index";
import { NOTIFY_EXPIRY_CRON } from "./tasks/notify_expiry";
import { ROLLUP_USAGE_CRON } from "./tasks/rollup_usage";
import { SWEEP_JOBS_CRON, sweepJobsOnce } from "./tasks/sweep_jobs";

/** The default crontab: the usage rollup, the stale-job sweep and the expiry notices, each every minute. */
export const DEFAULT_CRONTAB = [ROLLUP_USAGE_CRON, SWEEP_JOBS_CRON, NOTIFY_EXPIRY_CRON].join("\n");

export interface StartWorkerOptions {
  databaseUrl: string;
  /** Unset: start the local SMTP capture and send there. */
  smtpUrl?: string;
  appUrl: string;
  mailFrom?: string;
  /** Node jobs run at once (default KEYFLOW_JOB_CONCURRENCY or 4). */
  concurrency?: number;
  /**
   * KEYFLOW_SECRET. Given (as main.ts always does), start-up is refused when the database was set
   * up with a different one (SPEC §11); the first process to start records its check value.
   */
  secret?: string;
  /** graphile-worker crontab; default {@link DEFAULT_CRONTAB} (usage rollup, job sweep, expiry notices: every minute). */
  crontab?: string;
  /** Runs node jobs; default local child processes, kept away from the data directory. */
  executor?: Executor;
  /** Sandbox the default executor's jobs with bubblewrap (default KEYFLOW_SANDBOX, on unless "off"). */
  sandbox?: boolean;
  /**
   * Seconds without a heartbeat after which a worker process counts as dead and its locked jobs
   * go to a live one (default KEYFLOW_WORKER_DEAD_AFTER_S or 30).
   */
  deadAfterS?: number;
}

export interface RunningWorker {
  /** Where e-mail goes: SMTP_URL, or the local capture's address. */
  smtpUrl: string;
  /** Settles when the job runner stops; rejects if it fails on its own. */
  done: Promise<void>;
  /** Finishes running jobs, then releases the SMTP capture and the database pool. */
  stop: () => Promise<void>;
}

/** E-mail and the cron tasks get their own slots, so long node jobs never hold up mail. */
const SERVICE_CONCURRENCY = 2;

export async function startWorker(options: StartWorkerOptions): Promise<RunningWorker> {
  const concurrency = options.concurrency ?? Number(process.env.KEYFLOW_JOB_CONCURRENCY ?? 4);
  const deadAfterS = options.deadAfterS ?? deadAfterFromEnv();
  // both runners' jobs, their two LISTEN connections, the capture's inserts, each e-mail's
  // delivery lock (held through its SMTP exchange), the heartbeat
  const pool = createPool(options.databaseUrl, { max: concurrency + 2 * SERVICE_CONCURRENCY + 5 });
  const db = createDb(pool);
  let capture: DevSmtp | undefined;
  let heartbeats: Heartbeats | undefined;
  const utils = await makeWorkerUtils({ pgPool: pool, logger: graphileLogger }).catch(async (e) => {
    await pool.end();
    throw e;
  });
  // graphile-worker locks jobs in the name of each runner's pool: this process's lock holders
  const lockIds: string[] = [];
  const events: WorkerEvents = new EventEmitter();
  events.on("pool:create", ({ workerPool }) => lockIds.push(workerPool.id));
  const runners: { stop: () => Promise<void> }[] = [];
  try {
    const keyring = options.secret !== undefined ? new Keyring(options.secret) : undefined;
    if (keyring) await assertMasterSecret(db, keyring);
    // refuses to start when the job sandbox cannot work here (unless KEYFLOW_SANDBOX=off)
    const executor = options.executor ?? (await defaultExecutor(options.sandbox ?? sandboxSetting()));
    if (!options.smtpUrl) {
      capture = await startDevSmtp({ db });
      logger.info({ port: capture.port }, "SMTP_URL unset: local SMTP capture feeds the Dev mailbox");
    }
    const smtpUrl = options.smtpUrl ?? (capture as DevSmtp).url;
    const transport = nodemailer.createTransport(smtpUrl);
    // jobs a previous worker left `running` when it died, before this one takes new work
    await sweepJobsOnce(db, "start");
    const { [TASKS.runNodeJob]: runNodeJob, ...serviceTasks } = taskList({
      db,
      transport,
      appUrl: options.appUrl,
      mailFrom: options.mailFrom ?? DEFAULT_MAIL_FROM,
      keyring,
      executor,
    });
    const common = {
      pgPool: pool,
      // the process decides how to stop (see main.ts); graphile-worker's handlers would re-raise
      noHandleSignals: true,
      logger: graphileLogger,
      events,
    };
    // each runner fetches only the tasks in its list
    const services = await run({
      ...common,
      concurrency: SERVICE_CONCURRENCY,
      // given in code, so graphile-worker does not look for a crontab file
      crontab: options.crontab ?? DEFAULT_CRONTAB,
      taskList: serviceTasks,
    });
    runners.push(services);
    const nodeJobs = await run({
      ...common,
      concurrency,
      crontab: "",
      taskList: { [TASKS.runNodeJob]: runNodeJob },
    });
    runners.push(nodeJobs);
    // from now on a kill -9 of this process hands its jobs to a live worker after deadAfterS
    heartbeats = await startHeartbeats({ db, utils, lockIds: () => [...lockIds], deadAfterS });
    let stopped: Promise<void> | undefined;
    return {
      smtpUrl,
      done: Promise.all([services.promise, nodeJobs.promise]).then(() => {}),
      stop: () => {
        stopped ??= (async () => {
          await Promise.all([services.stop(), nodeJobs.stop()]);
          await heartbeats?.stop();
          await utils.release();
          await executor.close?.();
          transport.close();
          await capture?.stop();
          await pool.end();
        })();
        return stopped;
      },
    };
  } catch (e) {
    await Promise.all(runners.map((r) => r.stop().catch(() => {})));
    await heartbeats?.stop();
    await utils.release();
    await capture?.stop();
    await pool.end();
    throw e;
  }
}

/** Local child processes, sandboxed unless turned off; prepared now so problems show at start. */
function defaultExecutor(sandbox: boolean): Promise<Executor> {
  return workerExecutor({ sandbox, protectedDirs: [dataDir()], log: logger });
}
