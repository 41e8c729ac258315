import { serve } from "@hono/node-server";
import { assertMasterSecret, Keyring } from "@keyflow/core";
import { createDb, createPool } from "@keyflow/db";
import { createApp } from "./app";
import { createLucia } from "./auth/lucia";
import { loadConfig } from "./config";
import { logger } from "./logger";

const config = loadConfig();
if (config.smtpCapture && !config.devMailboxOpen)
  logger.warn("APP_URL is not localhost: the Dev mailbox shows each user only mail addressed to them");
const pool = createPool(config.databaseUrl, { max: 20 });
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

const server = serve(
  { fetch: app.fetch, port: config.port, hostname: process.env.HOST ?? "0.0.0.0" },
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
