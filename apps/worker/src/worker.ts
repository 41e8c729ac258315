import { createDb, createPool } from "@keyflow/db";
import { run } from "graphile-worker";
import nodemailer from "nodemailer";
import { DEFAULT_MAIL_FROM } from "./config";
import { type DevSmtp, startDevSmtp } from "./devSmtp";
import { graphileLogger, logger } from "./logger";
import { taskList } from "./tasks/index";

export interface StartWorkerOptions {
  databaseUrl: string;
  /** Unset: start the local SMTP capture and send there. */
  smtpUrl?: string;
  appUrl: string;
  mailFrom?: string;
  concurrency?: number;
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
  let capture: DevSmtp | undefined;
  try {
    if (!options.smtpUrl) {
      capture = await startDevSmtp({ db: createDb(pool) });
      logger.info({ port: capture.port }, "SMTP_URL unset: local SMTP capture feeds the Dev mailbox");
    }
    const smtpUrl = options.smtpUrl ?? (capture as DevSmtp).url;
    const transport = nodemailer.createTransport(smtpUrl);
    const runner = await run({
      pgPool: pool,
      concurrency,
      // the process decides how to stop (see main.ts); graphile-worker's handlers would re-raise
      noHandleSignals: true,
      logger: graphileLogger,
      crontab: "", // no cron items; stops it looking for a crontab file
      taskList: taskList({
        transport,
        appUrl: options.appUrl,
        mailFrom: options.mailFrom ?? DEFAULT_MAIL_FROM,
      }),
    });
    let stopped: Promise<void> | undefined;
    return {
      smtpUrl,
      done: runner.promise,
      stop: () => {
        stopped ??= (async () => {
          await runner.stop();
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
