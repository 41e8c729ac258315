import { IncomingMessage } from "node:http";
import { type Http2Bindings, type HttpBindings, serve } from "@hono/node-server";
import { assertMasterSecret, Keyring } from "@keyflow/core";
import { createDb, createPool } from "@keyflow/db";
import { createApp } from "./app";
import { createLucia } from "./auth/lucia";
import { loadConfig } from "./config";
import { logger } from "./logger";

const config = (() => {
  try {
    return loadConfig();
  } catch (err) {
    // a setting that cannot work is one line saying what is wrong, not a stack trace
    logger.fatal({ err: (err as Error).message }, "API failed to start");
    process.exit(1);
  }
})();
if (config.smtpCapture && !config.devMailboxOpen)
  logger.warn("APP_URL is not localhost: the Dev mailbox shows each user only mail addressed to them");
// waiting for a connection is bounded: while PostgreSQL is unreachable requests answer 503 at once
const pool = createPool(config.databaseUrl, { max: 20, connectionTimeoutMillis: 5_000 });
const db = createDb(pool);
// a different KEYFLOW_SECRET would make every stored token and secret undecryptable (SPEC §11)
const checkSecret = async () => assertMasterSecret(db, new Keyring(config.secret));
await checkSecret().catch(async (err: Error) => {
  logger.fatal({ err: err.message }, "API failed to start");
  await pool.end().catch(() => {});
  process.exit(1);
});
const auth = createLucia(pool, config.appUrl.startsWith("https://"));
const app = createApp({ db, pool, auth, config });

// what is left of an unread request body is read and dropped before answering, up to these bounds
const DRAIN_MAX_BYTES = 8 * 1024 * 1024;
const DRAIN_TIMEOUT_MS = 5_000;

/** Reads what is left of the request's body; false when it is too large or still coming at the deadline. */
async function drainBody(req: Request, incoming: IncomingMessage): Promise<boolean> {
  if (Number(incoming.headers["content-length"] ?? 0) > DRAIN_MAX_BYTES) return false;
  const body = req.body;
  if (!body) return true;
  if (body.locked) return false;
  const reader = body.getReader();
  const drained = (async () => {
    let bytes = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return true;
      bytes += value.byteLength;
      if (bytes > DRAIN_MAX_BYTES) return false;
    }
  })().catch(() => false);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), DRAIN_TIMEOUT_MS);
  });
  try {
    return await Promise.race([drained, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

// how long what the client still sends after such an answer is read and dropped, at most
const LINGER_MS = 2_000;

/**
 * A lingering close for a connection answered with `Connection: close` while the request's body
 * is still coming. Node destroys the socket as soon as the answer is written; the unread request
 * bytes then make the kernel send a reset, which can reach the client before it has read the
 * answer (it sees EPIPE or ECONNRESET instead of the 413). Instead the answer is followed by a FIN
 * and the rest of the request is read and dropped; the socket is destroyed once the answer is
 * written and the request has ended or the client closed its side, or after LINGER_MS.
 */
function lingerOnClose(incoming: IncomingMessage): void {
  const socket = incoming.socket;
  let lingering = false;
  // Node's HTTP server calls destroySoon() once the last answer on a connection is written
  socket.destroySoon = () => {
    if (lingering) return;
    lingering = true;
    let written = false;
    let readToEnd = incoming.readableEnded;
    const close = () => {
      clearTimeout(timer);
      socket.destroy();
    };
    const closeWhenDone = () => {
      if (written && readToEnd) close();
    };
    const timer = setTimeout(close, LINGER_MS);
    timer.unref();
    socket.once("close", () => clearTimeout(timer));
    socket.once("finish", () => {
      written = true;
      closeWhenDone();
    });
    const ended = () => {
      readToEnd = true;
      closeWhenDone();
    };
    incoming.once("end", ended);
    socket.once("end", ended);
    // whatever read the body so far (the app's body stream) may have paused it: let it flow, unread
    incoming.removeAllListeners("data");
    incoming.resume();
    socket.end();
  };
}

/**
 * Answers a request whose body the app did not read (a 401, 403 or 413 before the body is parsed)
 * only once the body is read, so the keep-alive connection stays usable: @hono/node-server would
 * otherwise close it ≈500 ms later and the client's next request on it would fail. A body beyond
 * the bounds is answered with `Connection: close`, so the client opens a new connection, and
 * the connection is closed without losing the answer ({@link lingerOnClose}).
 */
async function fetchKeepingAlive(req: Request, env: HttpBindings | Http2Bindings): Promise<Response> {
  const res = await app.fetch(req, env);
  const { incoming } = env;
  if (!(incoming instanceof IncomingMessage) || incoming.readableEnded) return res;
  if (req.method === "GET" || req.method === "HEAD") return res;
  if (await drainBody(req, incoming)) return res;
  lingerOnClose(incoming);
  const headers = new Headers(res.headers);
  headers.set("Connection", "close");
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

const server = serve(
  { fetch: fetchKeepingAlive, port: config.port, hostname: process.env.HOST ?? "0.0.0.0" },
  (info) => {
    logger.info({ port: info.port, appUrl: config.appUrl }, "Keyflow API listening");
  },
);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "API shutting down");
  server.close();
  // flush buffered usage events and end the key cache's LISTEN connection before the pool
  await app.close().catch((err: Error) => logger.error({ err: err.message }, "flush on shutdown failed"));
  await db.destroy().catch(() => {});
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("disconnect", () => void shutdown("launcher gone")); // its launcher (npm start) was killed
