import { type Database, type Db, sql, type Transaction } from "@keyflow/db";
import { keyIdInput } from "@keyflow/schemas";
import type { z } from "zod";
import { loadAccess } from "../access";
import { recordAudit } from "../audit";
import type { Keyring } from "../crypto";
import { conflict, notFound } from "../errors";
import { enqueueEmailToUser } from "../mail";
import { type Principal, requireUser } from "../principal";
import { parse } from "../validate";
import { keysChanged } from "./invalidation";
import { tokenAad } from "./issue";
import { assertKeyTransition, KEY_TRANSITIONS, type KeyState, keyState } from "./lifecycle";

export { type KeyState, keyState };

/** Keys (`k`) with their template (`t`) and project (`p`): what every key query needs. */
export const keysWithTemplate = (db: Db) =>
  db
    .selectFrom("api_keys as k")
    .innerJoin("api_key_templates as t", "t.id", "k.template_id")
    .innerJoin("projects as p", "p.id", "k.project_id");

/** A key of a project the caller manages (NOT_FOUND for outsiders, FORBIDDEN for other members). */
export async function managedKey(db: Db, principal: Principal, keyId: number) {
  const key = await keysWithTemplate(db)
    .select([
      "k.id",
      "k.user_id",
      "k.project_id",
      "k.revoked_at",
      "k.expires_at",
      "k.suspended_at",
      "t.name as template_name",
      "t.quota_requests",
      "t.quota_period",
      "p.name as project_name",
    ])
    .where("k.id", "=", keyId)
    .executeTakeFirst();
  if (!key) throw notFound("API key");
  (await loadAccess(db, principal, key.project_id, "API key")).require("project_manage");
  return key;
}

/** The holder's own key, or NOT_FOUND (anyone else's key does not exist for them). */
async function ownKey(db: Db, userId: number, keyId: number) {
  const key = await db
    .selectFrom("api_keys")
    .selectAll()
    .where("id", "=", keyId)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  if (!key) throw notFound("API key");
  return key;
}

/** The plain token, for its holder only; audited. */
export async function revealKey(
  db: Db,
  principal: Principal,
  input: z.input<typeof keyIdInput>,
  keyring: Keyring,
) {
  const { keyId } = parse(keyIdInput, input);
  const userId = requireUser(principal);
  const key = await ownKey(db, userId, keyId);
  // a suspended key's token works again on resume: its holder may still copy it
  const state = keyState(key);
  if (state !== "active" && state !== "suspended")
    throw conflict(`This key is ${state}; its token can no longer be used`);
  await recordAudit(db, {
    projectId: key.project_id,
    actorId: userId,
    action: "key.reveal",
    target: String(key.id),
  });
  return { token: keyring.decrypt("api_key_token", key.token_encrypted, tokenAad(key.id)) };
}

/** Revocation by the holder or by a manager of the key's project; effective on every API process. */
export async function revokeKey(db: Db, principal: Principal, input: z.input<typeof keyIdInput>) {
  const { keyId } = parse(keyIdInput, input);
  const userId = requireUser(principal);
  const key = await keysWithTemplate(db)
    .select([
      "k.id",
      "k.user_id",
      "k.project_id",
      "k.revoked_at",
      "k.expires_at",
      "k.suspended_at",
      "t.name as template_name",
      "p.name as project_name",
    ])
    .where("k.id", "=", keyId)
    .executeTakeFirst();
  if (!key) throw notFound("API key");
  const isHolder = key.user_id === userId;
  if (!isHolder) (await loadAccess(db, principal, key.project_id, "API key")).require("project_manage");
  assertKeyTransition("revoke", keyState(key), [isHolder ? "holder" : "manager"]);
  await db.transaction().execute(async (trx) => {
    const revoked = await revokeKeys(trx, userId, isHolder ? "revoked by holder" : "revoked by owner", {
      keyIds: [key.id],
    });
    if (revoked.length === 0) throw conflict("This key is already revoked");
    await recordAudit(trx, {
      projectId: key.project_id,
      actorId: userId,
      action: KEY_TRANSITIONS.revoke.audit,
      target: key.template_name,
      details: { keyId: key.id, byHolder: isHolder },
    });
    // the holder is told on every change to their key, also when they made it (SPEC §12)
    await enqueueEmailToUser(trx, key.user_id, "key_revoked", {
      projectId: key.project_id,
      projectName: key.project_name,
      templateName: key.template_name,
      why: isHolder ? "you revoked it yourself" : "the project's owner revoked it",
    });
  });
  return { id: key.id, state: "revoked" as const };
}

export interface KeyFilter {
  keyIds?: number[];
  templateId?: number;
  projectId?: number;
  userId?: number;
}

/**
 * Revokes the active keys matching every given filter, tells every key cache, returns them. Inside
 * the caller's transaction, so the caches hear of it on commit, together with its audit entry.
 */
export async function revokeKeys(
  trx: Transaction<Database>,
  actorId: number | null,
  reason: string,
  filter: KeyFilter,
) {
  let q = trx
    .updateTable("api_keys")
    .set({ revoked_at: new Date(), revoked_by: actorId, revoke_reason: reason })
    .where("revoked_at", "is", null);
  if (filter.keyIds) q = q.where("id", "in", filter.keyIds.length > 0 ? filter.keyIds : [-1]);
  if (filter.templateId !== undefined) q = q.where("template_id", "=", filter.templateId);
  if (filter.projectId !== undefined) q = q.where("project_id", "=", filter.projectId);
  if (filter.userId !== undefined) q = q.where("user_id", "=", filter.userId);
  const keys = await q.returning(["id", "user_id", "project_id", "template_id"]).execute();
  if (keys.length > 0) await keysChanged(trx, { keyIds: keys.map((k) => k.id) });
  return keys;
}

/**
 * Queues `key_revoked` to the holder of each key `revokeKeys` returned, in the same transaction,
 * saying `why` ("you were removed from the project"): a system revocation tells the holder too.
 */
export async function mailRevokedHolders(
  trx: Transaction<Database>,
  keys: { id: number; user_id: number }[],
  why: string,
) {
  if (keys.length === 0) return;
  const rows = await keysWithTemplate(trx)
    .select(["k.user_id", "k.project_id", "t.name as template_name", "p.name as project_name"])
    .where(
      "k.id",
      "in",
      keys.map((k) => k.id),
    )
    .orderBy("k.id")
    .execute();
  for (const k of rows)
    await enqueueEmailToUser(trx, k.user_id, "key_revoked", {
      projectId: k.project_id,
      projectName: k.project_name,
      templateName: k.template_name,
      why,
    });
}

/** Everything the REST data plane needs to authenticate a key, looked up by token hash only. */
export interface VerifiedKey {
  keyId: number;
  userId: number;
  projectId: number;
  roleId: number | null;
  dataLayerId: number;
  allowSharedLayers: boolean;
  rateLimitPerMinute: number | null;
  /** over the rate limit: refuse, or hold the request up to 10 s (SPEC §13) */
  rateLimitMode: "reject" | "wait";
  /** requests answered < 400 per period; null = no quota */
  quota: { requests: number; period: "day" | "month" | "total" } | null;
  pricePerRequest: string;
  expiresAt: Date | null;
  /** null while usable; otherwise why not ("rolled": the previous token of a rolled key, past its grace) */
  refusal: null | "revoked" | "expired" | "suspended" | "rolled";
  /** the token is the key's previous one (it was rolled): accepted until then; null for the current token */
  graceUntil: Date | null;
  /** the manager's reason, while suspended (told to every refused call) */
  suspendReason: string | null;
}

export async function findKeyByHash(db: Db, tokenHash: Buffer): Promise<VerifiedKey | null> {
  const row = await keysWithTemplate(db)
    .select([
      "k.id",
      "k.user_id",
      "k.project_id",
      "k.data_layer_id",
      "k.expires_at",
      "k.revoked_at",
      "k.suspended_at",
      "k.suspend_reason",
      "k.token_hash",
      "k.previous_token_until",
      "t.role_id",
      "t.allow_shared_layers",
      "t.rate_limit_per_minute",
      "t.rate_limit_mode",
      "t.quota_requests",
      "t.quota_period",
      "t.price_per_request",
      sql<boolean>`t.deleted_at is not null or p.deleted_at is not null`.as("gone"),
    ])
    // a rolled key's previous token still finds it, with its grace end (SPEC §12)
    .where((eb) => eb.or([eb("k.token_hash", "=", tokenHash), eb("k.previous_token_hash", "=", tokenHash)]))
    .executeTakeFirst();
  if (!row) return null;
  const state = row.gone ? "revoked" : keyState(row);
  const graceUntil = row.token_hash.equals(tokenHash) ? null : (row.previous_token_until ?? new Date(0));
  // a previous token past its grace is no credential of the key any more, whatever the key's state
  const refusal = graceUntil && graceUntil <= new Date() ? "rolled" : state === "active" ? null : state;
  return {
    keyId: row.id,
    userId: row.user_id,
    projectId: row.project_id,
    roleId: row.role_id,
    dataLayerId: row.data_layer_id,
    allowSharedLayers: row.allow_shared_layers,
    rateLimitPerMinute: row.rate_limit_per_minute,
    rateLimitMode: row.rate_limit_mode,
    quota:
      row.quota_requests !== null && row.quota_period !== null
        ? { requests: row.quota_requests, period: row.quota_period }
        : null,
    pricePerRequest: row.price_per_request,
    expiresAt: row.expires_at,
    refusal,
    graceUntil,
    suspendReason: state === "suspended" ? (row.suspend_reason ?? "") : null,
  };
}

/** Whether a key can be used now (not suspended, revoked or expired; template and project alive). */
export async function keyIsUsable(db: Db, keyId: number): Promise<boolean> {
  const key = await keysWithTemplate(db)
    .select([
      "k.revoked_at",
      "k.expires_at",
      "k.suspended_at",
      "t.deleted_at as template_deleted",
      "p.deleted_at as project_deleted",
    ])
    .where("k.id", "=", keyId)
    .executeTakeFirst();
  return !!key && !key.template_deleted && !key.project_deleted && keyState(key) === "active";
}
