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

/** Every error leaves as `{"detail": …}`; bad input is never a 500 (SPEC §5). */
export function restErrorHandler(err: Error, c: Context) {
  if (err instanceof CoreError) {
    if (err.extra.retryAfterS !== undefined) c.header("Retry-After", String(err.extra.retryAfterS));
    return detail(c, STATUS[err.code], err.message);
  }
  if (err instanceof HTTPException)
    return detail(c, err.status as ContentfulStatusCode, err.message || "Request refused");
  logger.error({ err, path: c.req.path, method: c.req.method }, "REST request failed");
  return detail(c, 500, "Internal server error");
}
