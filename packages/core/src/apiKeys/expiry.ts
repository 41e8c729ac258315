import type { Db } from "@keyflow/db";
import { EXPIRY_NOTICE_DAYS } from "@keyflow/schemas";
import { enqueueEmailToUser } from "../mail";
import { KEY_TRANSITIONS } from "./lifecycle";

const DAY_MS = 86_400_000;
const [EARLY_DAYS, LAST_DAYS] = EXPIRY_NOTICE_DAYS;
/** Keys claimed per transaction; a run takes batches until none is left. */
const BATCH = 200;
/**
 * A key that expired longer ago than this before the task saw it (expired before notices existed,
 * or while no worker ran for weeks) is marked without an e-mail: news that old helps nobody.
 */
const STALE_EXPIRY_MS = EARLY_DAYS * DAY_MS;

/** The notice window a key is in at a moment (each notice goes at most once per key). */
type ExpiryNotice = "early" | "last" | "expired";

export interface ExpiryNoticeCounts {
  /** `key_expiring` EXPIRY_NOTICE_DAYS[0] (7) days before */
  early: number;
  /** `key_expiring` EXPIRY_NOTICE_DAYS[1] (1) day before */
  last: number;
  /** `key_expired` */
  expired: number;
  /** expired longer ago than {@link STALE_EXPIRY_MS}: marked, not e-mailed */
  stale: number;
}

/**
 * Which notice is due for a key expiring at `expiresAt`, seen at `now`. The windows do not overlap,
 * so a key whose early window passed unseen (issued with less than 7 days left and the last window
 * already reached, or a worker that was down) never gets the early notice late: only the newest
 * due notice is sent, and the ones before it are skipped for good.
 */
function dueNotice(expiresAt: Date, now: Date): ExpiryNotice {
  const left = expiresAt.getTime() - now.getTime();
  if (left <= 0) return "expired";
  if (left <= LAST_DAYS * DAY_MS) return "last";
  return "early";
}

/**
 * The worker's every-minute expiry task (SPEC §12): e-mails holders `key_expiring` 7 days and 1 day
 * before `expires_at` and `key_expired` once it passed (the lifecycle's `expire`), each at most once
 * per key. Suspended keys get them too (they still expire); revoked keys, and keys whose template or
 * project is deleted, get none.
 *
 * Idempotent and safe on several workers at once: each batch claims its keys with `FOR UPDATE SKIP
 * LOCKED` and, in the same transaction, marks them (`notified_7d_at` / `notified_1d_at` /
 * `notified_expired_at`) and queues their e-mails, so a key is announced by exactly one commit.
 */
export async function sendExpiryNotices(db: Db, now: Date = new Date()): Promise<ExpiryNoticeCounts> {
  const counts: ExpiryNoticeCounts = { early: 0, last: 0, expired: 0, stale: 0 };
  const earlyFrom = new Date(now.getTime() + EARLY_DAYS * DAY_MS);
  const lastFrom = new Date(now.getTime() + LAST_DAYS * DAY_MS);
  for (;;) {
    const claimed = await db.transaction().execute(async (trx) => {
      const keys = await trx
        .selectFrom("api_keys as k")
        .innerJoin("api_key_templates as t", "t.id", "k.template_id")
        .innerJoin("projects as p", "p.id", "k.project_id")
        .select([
          "k.id",
          "k.user_id",
          "k.project_id",
          "k.expires_at",
          "t.name as template_name",
          "p.name as project_name",
        ])
        // the partial index api_keys_expiry_pending holds exactly these rows
        .where("k.expires_at", "is not", null)
        .where("k.revoked_at", "is", null)
        .where("k.notified_expired_at", "is", null)
        .where("k.expires_at", "<=", earlyFrom)
        .where("t.deleted_at", "is", null)
        .where("p.deleted_at", "is", null)
        // the notice of the window the key is in now has not gone out
        .where((eb) =>
          eb.or([
            eb("k.expires_at", "<=", now),
            eb.and([
              eb("k.expires_at", ">", now),
              eb("k.expires_at", "<=", lastFrom),
              eb("k.notified_1d_at", "is", null),
            ]),
            eb.and([eb("k.expires_at", ">", lastFrom), eb("k.notified_7d_at", "is", null)]),
          ]),
        )
        .orderBy("k.expires_at")
        .limit(BATCH)
        // a key another run holds is skipped: that run announces it (or, on rollback, the next one)
        .forUpdate(["k"])
        .skipLocked()
        .execute();
      for (const k of keys) {
        const expiresAt = k.expires_at as Date;
        const notice = dueNotice(expiresAt, now);
        await trx
          .updateTable("api_keys")
          .set(
            notice === "expired"
              ? { notified_expired_at: now }
              : notice === "last"
                ? { notified_1d_at: now }
                : { notified_7d_at: now },
          )
          .where("id", "=", k.id)
          .execute();
        const mail = { projectId: k.project_id, projectName: k.project_name, templateName: k.template_name };
        if (notice === "expired") {
          if (now.getTime() - expiresAt.getTime() > STALE_EXPIRY_MS) {
            counts.stale++;
            continue;
          }
          const [expired] = KEY_TRANSITIONS.expire.emails;
          await enqueueEmailToUser(trx, k.user_id, expired.template, mail);
          counts.expired++;
        } else {
          // whole days left, rounded up: "expires in 7 days" a minute into the 7-day window
          const days = Math.max(1, Math.ceil((expiresAt.getTime() - now.getTime()) / DAY_MS));
          await enqueueEmailToUser(trx, k.user_id, "key_expiring", {
            ...mail,
            expiresAt: expiresAt.toISOString(),
            days,
          });
          counts[notice]++;
        }
      }
      return keys.length;
    });
    if (claimed < BATCH) return counts;
  }
}
