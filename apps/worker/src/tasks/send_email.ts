import { mail } from "@keyflow/core";
import { TASKS } from "@keyflow/schemas";
import type { Transporter } from "nodemailer";
import { defineTask, logMalformed } from "../defineTask";

export interface SendEmailDeps {
  transport: Transporter;
  appUrl: string;
  mailFrom: string;
}

/**
 * `send_email`: renders one queued e-mail with APP_URL and sends it to its one recipient. A send
 * failure throws, so graphile-worker retries it with backoff (core queues it with max_attempts 10).
 */
export function sendEmail(deps: SendEmailDeps) {
  return defineTask(TASKS.sendEmail, async (payload, helpers) => {
    const { to, template, data } = payload;
    if (!mail.isEmailTemplate(template)) {
      logMalformed(TASKS.sendEmail, helpers, ["template: not a known e-mail template"]);
      return;
    }
    // core's typed enqueueEmail built the data for this template
    const templateData = data as mail.EmailTemplates[typeof template];
    const { subject, text, html } = mail.renderEmail(template, templateData, deps.appUrl);
    // the address object form: `to` is used verbatim as one address, never parsed as a list
    await deps.transport.sendMail({
      from: deps.mailFrom,
      to: { name: "", address: to },
      subject,
      text,
      html,
    });
    helpers.logger.info(`send_email: sent ${template}`);
  });
}
