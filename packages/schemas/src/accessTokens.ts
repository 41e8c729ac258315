import { z } from "zod";
import { id, name } from "./primitives";

/** Personal access tokens of internal tools (SPEC §14): `kfp_…`, sent as a Bearer header to /trpc only. */
export const MAX_ACCESS_TOKEN_NAME = 80;
/** How many live (not revoked) tokens one user may hold. */
export const MAX_ACCESS_TOKENS = 50;
export const MAX_ACCESS_TOKEN_DAYS = 3650;
/** `last_used_at` is written at most this often per token, so a busy tool costs no write per call. */
export const ACCESS_TOKEN_LAST_USED_EVERY_MS = 60_000;

export const createAccessTokenInput = z.object({
  name: name(MAX_ACCESS_TOKEN_NAME),
  /** null or absent: the token never expires */
  expiresInDays: z
    .number()
    .int("must be an integer")
    .min(1, "must be at least 1")
    .max(MAX_ACCESS_TOKEN_DAYS, `must be at most ${MAX_ACCESS_TOKEN_DAYS}`)
    .nullish(),
});
export const accessTokenIdInput = z.object({ id });

/** Audit actions about a user's own account (recorded with no project). */
export const ACCOUNT_AUDIT_ACTIONS = ["access_token.create", "access_token.revoke"] as const;
export type AccountAuditAction = (typeof ACCOUNT_AUDIT_ACTIONS)[number];
