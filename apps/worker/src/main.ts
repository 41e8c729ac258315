import { loadWorkerConfig, type WorkerConfig } from "./config";
import { logger } from "./logger";
import { startWorker } from "./worker";

function failedToStart(err: Error): never {
  // e.g. "KEYFLOW_SECRET differs from the one this database was set up with; refusing to start"
  logger.fatal({ err: err.message }, "worker failed to start");
  process.exit(1);
}

let config: WorkerConfig;
try {
  config = loadWorkerConfig();
} catch (err) {
  failedToStart(err as Error);
}
// startWorker checks config.secret against the database before running any job
const worker = await startWorker(config).catch(failedToStart);
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
