import { loadWorkerConfig } from "./config";
import { logger } from "./logger";
import { startWorker } from "./worker";

const config = loadWorkerConfig();
const worker = await startWorker(config).catch((err: Error) => {
  logger.fatal({ err: err.message }, "worker failed to start");
  process.exit(1);
});
logger.info({ appUrl: config.appUrl, capture: !config.smtpUrl }, "Keyflow worker running");
// the launcher (scripts/start.ts) waits for this; the channel must not keep the process alive
process.send?.({ type: "ready" });
process.channel?.unref();

let stopping = false;
async function shutdown(reason: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ reason }, "worker shutting down");
  await worker.stop().catch((err: Error) => logger.error({ err: err.message }, "worker stop failed"));
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
// started by the launcher, which died without stopping us (e.g. SIGKILL): do not linger as an orphan
process.on("disconnect", () => void shutdown("launcher gone"));
worker.done.catch((err: Error) => {
  if (stopping) return;
  logger.fatal({ err: err.message }, "job runner failed");
  process.exit(1);
});
