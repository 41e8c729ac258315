import { mail } from "@keyflow/core";
import type { Task } from "graphile-worker";
import type { Transporter } from "nodemailer";

export interface SendEmailDeps {
  transport: Transporter;
  appUrl: string;
  mailFrom: string;
}

// One plain address, nothing a header parser could read as a list or a display name.
const ADDRESS = /^[^\s@<>,;:"()[\]\\]+@[^\s@<>,;:"()[\]\\]+$/;

function isPayload(p: unknown): p is mail.SendEmailPayload {
  const o = p as Partial<mail.SendEmailPayload> | null;
  return (
    typeof o?.to === "string" &&
    ADDRESS.test(o.to) &&
    typeof o.template === "string" &&
    typeof o.data === "object" &&
    o.data !== null
  );
}

/**
 * `send_email`: renders one queued e-mail with APP_URL and sends it to its one recipient. A send
 * failure throws, so graphile-worker retries it with backoff (core queues it with max_attempts 10).
 */
export function sendEmail(deps: SendEmailDeps): Task {
  return async (payload, helpers) => {
    if (!isPayload(payload)) {
      // retrying cannot fix a malformed job; it stays visible in the log, not in the queue
      helpers.logger.error("send_email: malformed payload, job dropped");
      return;
    }
    const { subject, text, html } = mail.renderEmail(payload.template, payload.data, deps.appUrl);
    // the address object form: `to` is used verbatim as one address, never parsed as a list
    await deps.transport.sendMail({
      from: deps.mailFrom,
      to: { name: "", address: payload.to },
      subject,
      text,
      html,
    });
    helpers.logger.info(`send_email: sent ${payload.template}`);
  };
}
