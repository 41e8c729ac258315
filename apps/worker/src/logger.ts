import { Logger as GraphileLogger } from "graphile-worker";
import pino from "pino";

/** Structured logs. Mail bodies, payloads, tokens and secrets are never passed to it. */
export const logger = pino({
  name: "worker",
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "silent" : "info"),
  redact: { paths: ["*.password", "*.token", "*.secret", "*.smtpUrl"], censor: "[redacted]" },
});

const LEVELS = { error: "error", warning: "warn", info: "info", debug: "debug" } as const;

/**
 * graphile-worker's messages through pino. Its `meta` is dropped on purpose: on failures it holds
 * the whole job, payload included.
 */
export const graphileLogger = new GraphileLogger((scope) => (level, message) => {
  const method = LEVELS[String(level) as keyof typeof LEVELS] ?? "info";
  logger[method]({ task: scope.taskIdentifier, jobId: scope.jobId, workerId: scope.workerId }, message);
});
