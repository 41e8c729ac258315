import type { AddressInfo } from "node:net";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface Accepted {
  to: string[];
  subject: string;
}

/**
 * A real SMTP server that, while `holding`, receives each message but delays its answer to DATA,
 * so the sender has it in flight. A held message counts as accepted only once `release()` answers
 * 250 on a connection that is still open; if the sender dies first, its connection closes and the
 * message was never accepted (as with any SMTP server).
 */
export async function startHoldingReceiver() {
  const accepted: Accepted[] = [];
  const held: { sessionId: string; accept: () => void }[] = [];
  const state = { holding: true };
  const server = new SMTPServer({
    disabledCommands: ["STARTTLS", "AUTH"],
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          const accept = () => {
            accepted.push({
              to: session.envelope.rcptTo.map((r) => r.address),
              subject: parsed.subject ?? "",
            });
            callback();
          };
          if (state.holding) held.push({ sessionId: session.id, accept });
          else accept();
        },
        (err: Error) => callback(err),
      );
    },
    onClose(session) {
      // the sender hung up without our answer: that message was not accepted
      for (let i = held.length - 1; i >= 0; i--) if (held[i]?.sessionId === session.id) held.splice(i, 1);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    accepted,
    /** Messages received and waiting for the answer to DATA. */
    held: () => held.length,
    /** Answers every held message with 250 and accepts new ones at once from now on. */
    release: () => {
      state.holding = false;
      for (const h of held.splice(0)) h.accept();
    },
    /** Accepts new messages at once; the held ones stay held. */
    stopHolding: () => {
      state.holding = false;
    },
    to: (address: string) => accepted.filter((m) => m.to.includes(address)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
