export type ErrorCode =
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "BAD_REQUEST"
  | "CONFLICT"
  | "TOO_MANY_REQUESTS"
  | "PAYLOAD_TOO_LARGE";

/** A domain error with a message safe to show to the caller. Routers map `code` to tRPC / HTTP. */
export class CoreError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: { field?: string; retryAfterS?: number } = {},
  ) {
    super(message);
    this.name = "CoreError";
  }
}

export const unauthorized = (message = "Sign in required") => new CoreError("UNAUTHORIZED", message);
export const forbidden = (message: string) => new CoreError("FORBIDDEN", message);
export const notFound = (what: string) => new CoreError("NOT_FOUND", `${what} not found`);
export const badRequest = (field: string, message: string) =>
  new CoreError("BAD_REQUEST", `${field}: ${message}`, { field });
export const conflict = (message: string) => new CoreError("CONFLICT", message);
export const tooManyRequests = (message: string, retryAfterS: number) =>
  new CoreError("TOO_MANY_REQUESTS", message, { retryAfterS });

/** PostgreSQL unique_violation, so callers can turn a lost race into CONFLICT instead of 500. */
export function isUniqueViolation(e: unknown, constraint?: string): boolean {
  const err = e as { code?: string; constraint?: string };
  return err?.code === "23505" && (constraint === undefined || err.constraint === constraint);
}

/** A row a write referred to was gone (deleted between the check and the write), optionally by one constraint. */
export function isForeignKeyViolation(e: unknown, constraint?: string): boolean {
  const err = e as { code?: string; constraint?: string };
  return err?.code === "23503" && (constraint === undefined || err.constraint === constraint);
}

/** The id a foreign-key violation found missing in `column` (`Key (node_id)=(4) is not present…`), else null. */
export function missingReference(e: unknown, column: string): number | null {
  if (!isForeignKeyViolation(e)) return null;
  const detail = (e as { detail?: string }).detail ?? "";
  const id = Number(new RegExp(`\\(${column}\\)=\\((\\d+)\\)`).exec(detail)?.[1]);
  return Number.isFinite(id) ? id : null;
}
