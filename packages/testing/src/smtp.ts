import type { AddressInfo } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface Received {
  envelopeTo: string[];
  mail: ParsedMail;
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/** A real SMTP server standing in for SMTP_URL; `refuse` answers 451 (try later) to a recipient. */
export async function startReceiver() {
  const messages: Received[] = [];
  const refuse = new Set<string>();
  const server = new SMTPServer({
    disabledCommands: ["STARTTLS", "AUTH"],
    authOptional: true,
    logger: false,
    onRcptTo(address, _session, callback) {
      if (refuse.has(address.address)) {
        callback(Object.assign(new Error("mailbox busy, try later"), { responseCode: 451 }));
      } else callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          messages.push({ envelopeTo: session.envelope.rcptTo.map((r) => r.address), mail: parsed });
          callback();
        },
        (err: Error) => callback(err),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    refuse,
    to: (address: string) => messages.filter((m) => m.envelopeTo.includes(address)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
