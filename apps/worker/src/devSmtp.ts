import { devMailbox } from "@keyflow/core";
import type { Db } from "@keyflow/db";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import { logger } from "./logger";

export interface DevSmtp {
  port: number;
  /** For nodemailer: plain SMTP on loopback. */
  url: string;
  stop: () => Promise<void>;
}

const MAX_MESSAGE_BYTES = 2 * 1024 * 1024;

/**
 * The local SMTP capture used when SMTP_URL is unset: accepts any message on loopback and stores
 * it through core, one row per message, for the Dev mailbox page.
 */
export async function startDevSmtp(options: { db: Db; port?: number; host?: string }): Promise<DevSmtp> {
  const { db } = options;
  const host = options.host ?? "127.0.0.1";
  const server = new SMTPServer({
    // no TLS (nodemailer's STARTTLS fails on the built-in certificate) and no auth: loopback only
    disabledCommands: ["STARTTLS", "AUTH"],
    authOptional: true,
    size: MAX_MESSAGE_BYTES,
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then(async (parsed) => {
          if ((stream as { sizeExceeded?: boolean }).sizeExceeded) {
            throw Object.assign(new Error("Message too large"), { responseCode: 552 });
          }
          const envelopeFrom = session.envelope.mailFrom;
          await devMailbox.storeCapturedMail(db, {
            from: parsed.from?.text ?? (envelopeFrom ? envelopeFrom.address : ""),
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: parsed.subject ?? "",
            text: parsed.text ?? "",
            html: typeof parsed.html === "string" ? parsed.html : "",
          });
        })
        .then(
          () => callback(),
          (err: Error) => {
            logger.error({ err: err.message }, "dev SMTP capture could not store a message");
            callback(err);
          },
        );
    },
  });
  server.on("error", (err) => logger.error({ err: err.message }, "dev SMTP capture error"));
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve((server.server.address() as { port: number }).port);
    });
  });
  return {
    port,
    url: `smtp://${host}:${port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
