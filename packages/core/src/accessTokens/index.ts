import { type Db, sql } from "@keyflow/db";
import {
  ACCESS_TOKEN_LAST_USED_EVERY_MS,
  ACCESS_TOKEN_PREFIX,
  type AccountAuditAction,
  accessTokenIdInput,
  createAccessTokenInput,
  MAX_ACCESS_TOKENS,
} from "@keyflow/schemas";
import type { z } from "zod";
import { generateToken, hashToken, isWellFormedToken, tokenStart } from "../crypto/token";
import { CoreError, conflict, notFound } from "../errors";
import { type Principal, requireUser } from "../principal";
import { parse } from "../validate";

// Personal access tokens (SPEC §14): a user's credential for internal tools on /trpc. Only
// SHA-256(token) is stored; the token itself is returned once, by createAccessToken.

/**
 * Events about a user's own account go to the same audit_log as project events, with no project
 * (project_id null): no project's log shows them.
 */
async function recordAccountAudit(
  db: Db,
  userId: number,
  action: AccountAuditAction,
  tokenId: number,
  details: Record<string, unknown>,
) {
  await db
    .insertInto("audit_log")
    .values({
      project_id: null,
      actor_id: userId,
      action,
      target: String(tokenId),
      details: JSON.stringify(details),
    })
    .execute();
}

/** A new token for the caller; `token` is the only time the plain token leaves the server. */
export async function createAccessToken(
  db: Db,
  principal: Principal,
  input: z.input<typeof createAccessTokenInput>,
) {
  const userId = requireUser(principal);
  const { name, expiresInDays } = parse(createAccessTokenInput, input);
  const token = generateToken(ACCESS_TOKEN_PREFIX);
  return db.transaction().execute(async (trx) => {
    // serialises one user's creations, so the limit holds under concurrent calls
    await trx.selectFrom("users").select("id").where("id", "=", userId).forUpdate().executeTakeFirst();
    const { n } = await trx
      .selectFrom("access_tokens")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null)
      .executeTakeFirstOrThrow();
    if (Number(n) >= MAX_ACCESS_TOKENS)
      throw conflict(`You have ${MAX_ACCESS_TOKENS} access tokens: revoke one before creating another`);
    const row = await trx
      .insertInto("access_tokens")
      .values({
        user_id: userId,
        name,
        token_hash: hashToken(token),
        token_start: tokenStart(token, ACCESS_TOKEN_PREFIX),
        expires_at: expiresInDays ? new Date(Date.now() + expiresInDays * 86_400_000) : null,
      })
      .returning(["id", "created_at", "expires_at"])
      .executeTakeFirstOrThrow();
    await recordAccountAudit(trx, userId, "access_token.create", row.id, { name });
    return { id: row.id, token, createdAt: row.created_at, expiresAt: row.expires_at };
  });
}

export type AccessTokenState = "active" | "revoked" | "expired";

/** The caller's tokens, newest first (never the token: only its first characters). */
export async function listAccessTokens(db: Db, principal: Principal) {
  const userId = requireUser(principal);
  const rows = await db
    .selectFrom("access_tokens")
    .select(["id", "name", "token_start", "created_at", "expires_at", "last_used_at", "revoked_at"])
    .where("user_id", "=", userId)
    .orderBy("id", "desc")
    .execute();
  const now = Date.now();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    tokenStart: r.token_start,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
    state: (r.revoked_at
      ? "revoked"
      : r.expires_at && r.expires_at.getTime() <= now
        ? "expired"
        : "active") as AccessTokenState,
  }));
}

/** Revokes one of the caller's tokens at once; someone else's token is NOT_FOUND. */
export async function revokeAccessToken(
  db: Db,
  principal: Principal,
  input: z.input<typeof accessTokenIdInput>,
) {
  const userId = requireUser(principal);
  const { id } = parse(accessTokenIdInput, input);
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom("access_tokens")
      .select(["id", "name", "revoked_at"])
      .where("id", "=", id)
      .where("user_id", "=", userId)
      .forUpdate()
      .executeTakeFirst();
    if (!row) throw notFound("Access token");
    if (row.revoked_at) throw conflict("This access token is already revoked");
    await trx.updateTable("access_tokens").set({ revoked_at: new Date() }).where("id", "=", id).execute();
    await recordAccountAudit(trx, userId, "access_token.revoke", id, { name: row.name });
    return { ok: true as const };
  });
}

const REFUSED = "Unknown, revoked or expired access token";

/**
 * The user a Bearer `kfp_…` token acts as; UNAUTHORIZED for a malformed (no lookup), unknown,
 * revoked or expired one. Records when it was last used, at most once a minute per token.
 */
export async function verifyAccessToken(db: Db, token: string) {
  if (!isWellFormedToken(token, ACCESS_TOKEN_PREFIX))
    throw new CoreError("UNAUTHORIZED", "Malformed access token");
  const row = await db
    .selectFrom("access_tokens as t")
    .innerJoin("users as u", "u.id", "t.user_id")
    .select([
      "t.id",
      "t.expires_at",
      "t.revoked_at",
      "t.last_used_at",
      "u.id as user_id",
      "u.email",
      "u.name",
    ])
    .where("t.token_hash", "=", hashToken(token))
    .executeTakeFirst();
  const now = Date.now();
  if (!row || row.revoked_at || (row.expires_at && row.expires_at.getTime() <= now))
    throw new CoreError("UNAUTHORIZED", REFUSED);
  if (!row.last_used_at || now - row.last_used_at.getTime() >= ACCESS_TOKEN_LAST_USED_EVERY_MS) {
    // conditional, so concurrent calls of one token write once
    await db
      .updateTable("access_tokens")
      .set({ last_used_at: sql`now()` })
      .where("id", "=", row.id)
      .where((eb) =>
        eb.or([
          eb("last_used_at", "is", null),
          eb("last_used_at", "<=", new Date(now - ACCESS_TOKEN_LAST_USED_EVERY_MS)),
        ]),
      )
      .execute();
  }
  return { tokenId: row.id, user: { id: row.user_id, email: row.email, name: row.name } };
}
