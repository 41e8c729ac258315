import { type Db, sql } from "@keyflow/db";
import type { EmailTemplateName, EmailTemplates } from "./templates";

export { escapeHtml, type RenderedEmail, subjectText } from "./render";
export { type EmailTemplateName, type EmailTemplates, renderEmail } from "./templates";

export interface SendEmailPayload<K extends EmailTemplateName = EmailTemplateName> {
  to: string;
  template: K;
  data: EmailTemplates[K];
}

/**
 * Queues one e-mail (one recipient) with graphile-worker. Call it with the transaction of the state
 * change that causes it: the job becomes visible only on commit and vanishes on rollback.
 */
export async function enqueueEmail<K extends EmailTemplateName>(
  db: Db,
  payload: SendEmailPayload<K>,
): Promise<void> {
  await sql`select graphile_worker.add_job('send_email', ${JSON.stringify(payload)}::json, max_attempts => 10)`.execute(
    db,
  );
}

/** Queues an e-mail to a user by id (no-op for a deleted user). */
export async function enqueueEmailToUser<K extends EmailTemplateName>(
  db: Db,
  userId: number,
  template: K,
  data: EmailTemplates[K],
): Promise<void> {
  const user = await db.selectFrom("users").select("email").where("id", "=", userId).executeTakeFirst();
  if (user) await enqueueEmail(db, { to: user.email, template, data });
}
