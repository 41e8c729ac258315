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
