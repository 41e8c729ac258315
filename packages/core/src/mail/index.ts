import type { Database, Transaction } from "@keyflow/db";
import { TASKS } from "@keyflow/schemas";
import { addJob } from "../tasks";
import { type EmailTemplateName, type EmailTemplates, renderers } from "./templates";

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
  trx: Transaction<Database>,
  payload: SendEmailPayload<K>,
): Promise<void> {
  await addJob(trx, TASKS.sendEmail, payload);
}

/** Queues an e-mail to a user by id (no-op for a deleted user). */
export async function enqueueEmailToUser<K extends EmailTemplateName>(
  trx: Transaction<Database>,
  userId: number,
  template: K,
  data: EmailTemplates[K],
): Promise<void> {
  const user = await trx.selectFrom("users").select("email").where("id", "=", userId).executeTakeFirst();
  if (user) await enqueueEmail(trx, { to: user.email, template, data });
}

/** A queued e-mail names a template this version can render (an older or newer one may not). */
export function isEmailTemplate(name: string): name is EmailTemplateName {
  return Object.hasOwn(renderers, name);
}
