import { CoreError, type ErrorCode } from "@keyflow/core";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { logger } from "../logger";

export const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  BAD_REQUEST: 422,
  CONFLICT: 409,
  TOO_MANY_REQUESTS: 429,
  PAYLOAD_TOO_LARGE: 413,
};

export const detail = (c: Context, status: ContentfulStatusCode, message: string) =>
  c.json({ detail: message }, status);

/** What a caller is told while PostgreSQL cannot be reached (503; tRPC SERVICE_UNAVAILABLE). */
export const UNAVAILABLE_MESSAGE = "Service temporarily unavailable";

// node's socket errors, PostgreSQL's connection exceptions (class 08), shutdown and start-up
// (57P01–57P03) and too many connections; SERVICE_UNAVAILABLE is a tRPC error already mapped
const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "57P01",
  "57P02",
  "57P03",
  "53300",
  "SERVICE_UNAVAILABLE",
]);
// what pg and pg-pool throw without a code when a connection drops or cannot be had in time
const UNAVAILABLE_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;

const outageLogs = new Map<string, { at: number; notLogged: number }>();

/**
 * Logs the cause of a request failed by a database outage, each message at most once a second (an
 * outage fails every request alike); the next line counts the ones left out.
 */
export function logOutage(fields: Record<string, unknown>, message: string) {
  const now = Date.now();
  const last = outageLogs.get(message);
  if (last && now - last.at < 1_000) {
    last.notLogged++;
    return;
  }
  logger.error({ ...fields, similarFailuresNotLogged: last?.notLogged ?? 0 }, message);
  outageLogs.set(message, { at: now, notLogged: 0 });
}

/** Whether an error means the database cannot be reached right now (an outage, not a bug). */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!(err instanceof Error) || depth > 8) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" && (UNAVAILABLE_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
  if (UNAVAILABLE_MESSAGES.test(err.message)) return true;
  if (err instanceof AggregateError && err.errors.some((e) => isDatabaseUnavailable(e, depth + 1)))
    return true;
  return isDatabaseUnavailable(err.cause, depth + 1);
}

/** Every error leaves as `{"detail": …}`; bad input is never a 500 (SPEC §5). */
export function restErrorHandler(err: Error, c: Context) {
  if (err instanceof CoreError) {
    if (err.extra.retryAfterS !== undefined) c.header("Retry-After", String(err.extra.retryAfterS));
    return detail(c, STATUS[err.code], err.message);
  }
  if (err instanceof HTTPException)
    return detail(c, err.status as ContentfulStatusCode, err.message || "Request refused");
  if (isDatabaseUnavailable(err)) {
    // a tRPC SERVICE_UNAVAILABLE (from the session lookup) was logged where it was made
    if ((err as { code?: unknown }).code !== "SERVICE_UNAVAILABLE")
      logOutage({ err, path: c.req.path, method: c.req.method }, "REST request failed: database unavailable");
    c.header("Retry-After", "5");
    return detail(c, 503, UNAVAILABLE_MESSAGE);
  }
  logger.error({ err, path: c.req.path, method: c.req.method }, "REST request failed");
  return detail(c, 500, "Internal server error");
}
