import { type Db, sql } from "@keyflow/db";
import { type Principal, requireUser } from "../principal";

export { type CapturedMail, DEV_MAILBOX_KEEP, storeCapturedMail } from "./capture";

export interface DevMailboxMessage {
  id: number;
  from: string;
  to: string[];
  subject: string;
  text: string;
  /** The raw HTML as received: show it sandboxed, never inline in the app's page. */
  html: string;
  receivedAt: Date;
}

export const DEV_MAILBOX_LIMIT = 200;

/**
 * Mail caught by the local SMTP capture, newest first. `open` (a localhost APP_URL or
 * KEYFLOW_DEV=1) shows every message; otherwise only those addressed to the caller (SPEC §8).
 */
export async function listDevMailbox(
  db: Db,
  principal: Principal,
  options: { open: boolean },
): Promise<DevMailboxMessage[]> {
  const userId = requireUser(principal);
  let query = db
    .selectFrom("dev_mailbox")
    .select([
      "id",
      "mail_from as from",
      "mail_to as to",
      "subject",
      "text_body as text",
      "html_body as html",
      "received_at as receivedAt",
    ])
    .orderBy("id", "desc")
    .limit(DEV_MAILBOX_LIMIT);
  if (!options.open) {
    const user = await db.selectFrom("users").select("email").where("id", "=", userId).executeTakeFirst();
    if (!user) return [];
    const email = user.email.toLowerCase();
    query = query.where(
      sql<boolean>`exists (select 1 from unnest(mail_to) as t(addr) where lower(t.addr) = ${email})`,
    );
  }
  return query.execute();
}
