import { type Db, sql } from "@keyflow/db";

/**
 * Sends a queued e-mail at most once per graphile-worker job (SPEC §8: never twice), also when the
 * job runs again because its worker died before graphile-worker recorded it done.
 *
 * The job's `email_deliveries` row is locked (FOR UPDATE NOWAIT) for the whole SMTP exchange and
 * gets `sent_at` in that same transaction once the server accepted the message:
 * - `sent_at` set: the e-mail went out already → not sent again;
 * - row locked: another worker is sending it right now (it is alive: PostgreSQL drops a dead
 *   client's locks when its connection closes) → {@link DeliveryInProgress}, retried later;
 * - otherwise (first run, or the sender died mid-send): sent.
 *
 * What is left: if the sender dies (or loses the database for longer than the retries below)
 * after the SMTP server accepted the message but before `sent_at` is committed — one database
 * round trip — the next run cannot tell and sends it again: at least once, never lost.
 */
export type DeliveryOutcome = "sent" | "already sent";

/** Another live worker holds this job's delivery: retry later. */
export class DeliveryInProgress extends Error {
  constructor() {
    super("another worker is sending this e-mail right now; retrying later");
    this.name = "DeliveryInProgress";
    this.stack = `${this.name}: ${this.message}`; // an expected state, logged without a trace
  }
}

/**
 * A sender whose machine vanished without closing its connection keeps the lock until PostgreSQL
 * gives up on it: longer than nodemailer's slowest send (10 min socket timeout), far shorter than
 * send_email's retries (hours).
 */
const HOLD_TIMEOUT = "15min";

/** After a send whose transaction failed (e.g. the database restarted), recording it is retried this long. */
const RECORD_RETRY_MS = [250, 500, 1000, 2000, 4000, 8000];

export async function deliverOnce(
  db: Db,
  jobId: string | number,
  send: () => Promise<void>,
): Promise<DeliveryOutcome> {
  const id = String(jobId);
  await sql`insert into email_deliveries (job_id) values (${id}::bigint) on conflict do nothing`.execute(db);
  let sent = false;
  try {
    return await db.transaction().execute(async (trx) => {
      await sql`select set_config('idle_in_transaction_session_timeout', ${HOLD_TIMEOUT}, true)`.execute(trx);
      const row = await sql<{ sent: boolean }>`
        select sent_at is not null as sent from email_deliveries where job_id = ${id}::bigint
           for update nowait`
        .execute(trx)
        .catch((e: { code?: string }) => {
          if (e?.code === "55P03") throw new DeliveryInProgress(); // lock_not_available
          throw e;
        });
      if (row.rows[0]?.sent) return "already sent";
      await send();
      sent = true;
      await markSent(trx, id);
      return "sent";
    });
  } catch (e) {
    if (!sent) throw e;
    // the message is out but its record did not commit: record it outside the lost transaction
    for (const ms of RECORD_RETRY_MS) {
      await new Promise((r) => setTimeout(r, ms));
      if (
        await markSent(db, id).then(
          () => true,
          () => false,
        )
      )
        return "sent";
    }
    throw e;
  }
}

async function markSent(db: Db, id: string): Promise<void> {
  await sql`update email_deliveries set sent_at = now() where job_id = ${id}::bigint`.execute(db);
}

/** Drops delivery records of jobs graphile-worker no longer holds (done or given up). */
export async function pruneDeliveries(db: Db): Promise<number> {
  const r = await sql`
    delete from email_deliveries d
     where d.created_at < now() - interval '1 hour'
       and not exists (select 1 from graphile_worker._private_jobs j where j.id = d.job_id)`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}
