import { mail, workers } from "@keyflow/core";
import type { Db } from "@keyflow/db";
import { TASKS } from "@keyflow/schemas";
import type { Transporter } from "nodemailer";
import { defineTask, logMalformed } from "../defineTask";

export interface SendEmailDeps {
  db: Db;
  transport: Transporter;
  appUrl: string;
  mailFrom: string;
}

/**
 * `send_email`: renders one queued e-mail with APP_URL and sends it to its one recipient. A send
 * failure throws, so graphile-worker retries it with backoff (core queues it with max_attempts 10).
 * A job that runs again after its worker died mid-send is sent again only if it had not gone out
 * (core's `deliverOnce`; its comment states the one window that is left).
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
    const outcome = await workers.deliverOnce(deps.db, helpers.job.id, async () => {
      // the address object form: `to` is used verbatim as one address, never parsed as a list
      await deps.transport.sendMail({
        from: deps.mailFrom,
        to: { name: "", address: to },
        subject,
        text,
        html,
      });
    });
    helpers.logger.info(
      outcome === "sent"
        ? `send_email: sent ${template}`
        : `send_email: ${template} went out on an earlier run; not sending it twice`,
    );
  });
}
