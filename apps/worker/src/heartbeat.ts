import { randomBytes } from "node:crypto";
import os from "node:os";
import { workers } from "@keyflow/core";
import type { Db } from "@keyflow/db";
import type { WorkerUtils } from "graphile-worker";
import { logger } from "./logger";

/** KEYFLOW_WORKER_DEAD_AFTER_S default: a worker not heard from for this long is dead. */
export const DEFAULT_DEAD_AFTER_S = 30;

/**
 * `KEYFLOW_WORKER_DEAD_AFTER_S`: after how many seconds without a heartbeat a worker process counts
 * as dead and its locked jobs go to a live worker (default 30; tests use a few seconds).
 */
export function deadAfterFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.KEYFLOW_WORKER_DEAD_AFTER_S;
  if (raw === undefined || raw === "") return DEFAULT_DEAD_AFTER_S;
  const s = Number(raw);
  if (!Number.isInteger(s) || s < 2 || s > 3600)
    throw new Error(
      `KEYFLOW_WORKER_DEAD_AFTER_S must be a whole number of seconds from 2 to 3600, not "${raw}"`,
    );
  return s;
}

export interface Heartbeats {
  /** Stops beating and removes this process's heartbeat (its jobs are finished by then). */
  stop: () => Promise<void>;
}

/** Delivery records are pruned about this often. */
const PRUNE_EVERY_MS = 60_000;

/**
 * Keeps this process's heartbeat fresh (every third of `deadAfterS`, at most every 5 s) and, on
 * each beat, releases the job locks of worker processes that stopped beating (SPEC §8: a dead
 * worker's e-mails go to a live one within 2 minutes). `lockIds` returns graphile-worker's lock
 * holders of this process; `utils.forceUnlockWorkers` releases the dead ones' jobs, which the live
 * runners then pick up like any other. Failures are logged and retried on the next beat.
 */
export async function startHeartbeats(opts: {
  db: Db;
  utils: WorkerUtils;
  lockIds: () => string[];
  deadAfterS: number;
}): Promise<Heartbeats> {
  const { db, utils, deadAfterS } = opts;
  const everyMs = Math.min(5000, Math.floor((deadAfterS * 1000) / 3));
  const me: workers.Heartbeat = {
    workerId: `${os.hostname()}-${process.pid}-${randomBytes(4).toString("hex")}`,
    lockIds: [],
    host: os.hostname(),
    pid: process.pid,
  };
  let lastPrune = 0;
  let failing = false;

  async function once() {
    try {
      await workers.beat(db, { ...me, lockIds: opts.lockIds() });
      const dead = await workers.deadLockHolders(db, deadAfterS);
      if (dead.length > 0) {
        await utils.forceUnlockWorkers(dead.map((d) => d.lockId));
        const locks = dead.reduce((n, d) => n + d.locks, 0);
        logger.warn(
          { lockIds: dead.map((d) => d.lockId), locks, deadAfterS },
          `released ${locks} job lock(s) of worker processes silent for over ${deadAfterS} s; live workers run those jobs now`,
        );
      }
      await workers.pruneHeartbeats(db, deadAfterS);
      if (Date.now() - lastPrune > PRUNE_EVERY_MS) {
        lastPrune = Date.now();
        await workers.pruneDeliveries(db);
      }
      if (failing) logger.info("worker heartbeat recorded again");
      failing = false;
    } catch (err) {
      if (!failing) logger.warn({ err: (err as Error).message }, "worker heartbeat failed; retrying");
      failing = true;
    }
  }

  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  let stopped = false;
  const schedule = () => {
    timer = setTimeout(() => {
      current = once().finally(() => {
        if (!stopped) schedule();
      });
    }, everyMs);
    timer.unref();
  };
  await once();
  schedule();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await current;
      await workers.forget(db, me.workerId).catch(() => {});
    },
  };
}
