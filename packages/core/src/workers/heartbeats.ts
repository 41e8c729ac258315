import { type Db, sql } from "@keyflow/db";

/**
 * Worker heartbeats (SPEC §8: a dead worker's e-mails are picked up by a live worker). graphile-worker
 * releases a dead process's job locks only after 4 hours; instead every worker process records the
 * lock holders it runs (graphile-worker's `locked_by` values) and refreshes that row every few
 * seconds, and any worker releases the locks of holders no live process has refreshed lately.
 * Times are the database's clock, so workers on machines with skewed clocks agree.
 */

export interface Heartbeat {
  /** This process, unique per start. */
  workerId: string;
  /** The `locked_by` values of the jobs this process runs. */
  lockIds: string[];
  host: string;
  pid: number;
}

/** Records that this process is alive now. */
export async function beat(db: Db, hb: Heartbeat): Promise<void> {
  await db
    .insertInto("worker_heartbeats")
    .values({ worker_id: hb.workerId, lock_ids: hb.lockIds, host: hb.host, pid: hb.pid })
    .onConflict((oc) => oc.column("worker_id").doUpdateSet({ lock_ids: hb.lockIds, seen_at: sql`now()` }))
    .execute();
}

/** A process that stops cleanly leaves no heartbeat behind. */
export async function forget(db: Db, workerId: string): Promise<void> {
  await db.deleteFrom("worker_heartbeats").where("worker_id", "=", workerId).execute();
}

export interface DeadHolder {
  lockId: string;
  /** Jobs (and named queues) it still holds. */
  locks: number;
}

/**
 * Lock holders of graphile-worker jobs and queues that no process refreshed within `deadAfterS`,
 * whose locks are older than that too: their process is gone, so nothing will finish those jobs.
 * A holder without any heartbeat row (a process killed before its first beat) counts once its
 * locks are that old. Reads graphile-worker's private tables (its `jobs` view has no queues).
 */
export async function deadLockHolders(db: Db, deadAfterS: number): Promise<DeadHolder[]> {
  const r = await sql<DeadHolder>`
    select l.locked_by as "lockId", count(*)::int as locks
      from (select locked_by, locked_at from graphile_worker._private_jobs where locked_by is not null
            union all
            select locked_by, locked_at from graphile_worker._private_job_queues where locked_by is not null) l
     where l.locked_at < now() - make_interval(secs => ${deadAfterS})
       and not exists (
         select 1 from worker_heartbeats h
          where l.locked_by = any(h.lock_ids)
            and h.seen_at >= now() - make_interval(secs => ${deadAfterS}))
     group by l.locked_by
     order by l.locked_by`.execute(db);
  return r.rows;
}

/** Drops heartbeats not refreshed within `deadAfterS` (their locks are released by then). */
export async function pruneHeartbeats(db: Db, deadAfterS: number): Promise<string[]> {
  const rows = await db
    .deleteFrom("worker_heartbeats")
    .where("seen_at", "<", sql<Date>`now() - make_interval(secs => ${deadAfterS})`)
    .returning("worker_id")
    .execute();
  return rows.map((r) => r.worker_id);
}
