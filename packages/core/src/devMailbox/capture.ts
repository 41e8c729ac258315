import { type Db, sql } from "@keyflow/db";

/** The capture is for following flows by hand, not an archive: older messages are pruned. */
export const DEV_MAILBOX_KEEP = 1000;

export interface CapturedMail {
  from: string;
  /** The envelope recipients: who the message is really delivered to. */
  to: string[];
  subject: string;
  text: string;
  html: string;
}

/** Stores one message the local SMTP capture received, for the Dev mailbox (SPEC §8). */
export async function storeCapturedMail(db: Db, mail: CapturedMail): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto("dev_mailbox")
      .values({
        mail_from: mail.from,
        mail_to: mail.to.map((address) => address.toLowerCase()),
        subject: mail.subject,
        text_body: mail.text,
        html_body: mail.html,
      })
      .execute();
    await sql`delete from dev_mailbox where id <= (select max(id) from dev_mailbox) - ${DEV_MAILBOX_KEEP}`.execute(
      trx,
    );
  });
}
