import { type Database, sql, type Transaction } from "@keyflow/db";
import { generateToken, hashToken, type Keyring, tokenStart } from "../crypto";
import { badRequest, conflict, isUniqueViolation } from "../errors";
import { emailTime } from "../mail/templates";

/** Associated data binding an encrypted token to its row. */
export const tokenAad = (keyId: number) => `api_keys:${keyId}`;

/**
 * The holder's personal layer for this template: reused on re-approval (their packages stay),
 * created on first approval.
 */
async function personalLayer(
  trx: Transaction<Database>,
  projectId: number,
  userId: number,
  templateId: number,
) {
  const previous = await trx
    .selectFrom("api_keys as k")
    .innerJoin("data_layers as l", "l.id", "k.data_layer_id")
    .select("l.id")
    .where("k.user_id", "=", userId)
    .where("k.template_id", "=", templateId)
    .orderBy("k.id", "desc")
    .executeTakeFirst();
  if (previous) return previous.id;
  const names = await trx
    .selectFrom("users")
    .select("users.name as user")
    .where("users.id", "=", userId)
    .select((eb) =>
      eb.selectFrom("api_key_templates").select("name").where("id", "=", templateId).as("template"),
    )
    .executeTakeFirstOrThrow();
  const layer = await trx
    .insertInto("data_layers")
    .values({
      project_id: projectId,
      name: `${names.user} · ${names.template}`,
      kind: "personal",
      owner_id: userId,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return layer.id;
}

const DAY_MS = 86_400_000;

/**
 * A key's lifetime (SPEC §12), the one place it is decided. The template's `maxTtlDays` caps
 * every key: an expiry chosen at approval may not be later than issue time + maxTtlDays (nor in
 * the past); without a choice the key lives min(keyTtlDays, maxTtlDays) days (null = unlimited;
 * both null: it never expires).
 */
export function keyExpiry(
  template: { key_ttl_days: number | null; max_ttl_days: number | null },
  now: Date,
  chosen?: Date,
): Date | null {
  const max = template.max_ttl_days;
  const cap = max === null ? null : new Date(now.getTime() + max * DAY_MS);
  if (chosen) {
    if (chosen.getTime() <= now.getTime()) throw badRequest("expiresAt", "must be in the future");
    if (cap && chosen.getTime() > cap.getTime())
      throw badRequest(
        "expiresAt",
        `must be on or before ${emailTime(cap.toISOString())}: the template caps keys at ${max === 1 ? "1 day" : `${max} days`}`,
      );
    return chosen;
  }
  const ttl = template.key_ttl_days;
  const days = ttl === null ? max : max === null ? ttl : Math.min(ttl, max);
  return days === null ? null : new Date(now.getTime() + days * DAY_MS);
}

/** Issues a key inside the approval transaction; the token is stored hashed and encrypted, never plain. */
export async function issueKey(
  trx: Transaction<Database>,
  keyring: Keyring,
  req: { requestId: number; templateId: number; userId: number; projectId: number; expiresAt?: Date },
) {
  // an expired key still holds the one-active-key slot: retire it
  await trx
    .updateTable("api_keys")
    .set({ revoked_at: new Date(), revoke_reason: "expired" })
    .where("user_id", "=", req.userId)
    .where("template_id", "=", req.templateId)
    .where("revoked_at", "is", null)
    .where("expires_at", "<=", new Date())
    .execute();
  const template = await trx
    .selectFrom("api_key_templates")
    .select(["key_ttl_days", "max_ttl_days"])
    .where("id", "=", req.templateId)
    .executeTakeFirstOrThrow();
  const expiresAt = keyExpiry(template, new Date(), req.expiresAt);
  const dataLayerId = await personalLayer(trx, req.projectId, req.userId, req.templateId);
  const { rows } = await sql<{ id: number }>`select nextval('api_keys_id_seq')::int as id`.execute(trx);
  const id = rows[0]!.id;
  const token = generateToken();
  try {
    return await trx
      .insertInto("api_keys")
      .values({
        id,
        project_id: req.projectId,
        template_id: req.templateId,
        user_id: req.userId,
        request_id: req.requestId,
        data_layer_id: dataLayerId,
        token_hash: hashToken(token),
        token_encrypted: keyring.encrypt("api_key_token", token, tokenAad(id)),
        token_start: tokenStart(token),
        expires_at: expiresAt,
      })
      .returning(["id", "data_layer_id", "created_at", "expires_at"])
      .executeTakeFirstOrThrow();
  } catch (e) {
    if (isUniqueViolation(e, "api_keys_one_active"))
      throw conflict("The requester already holds an active key from this template");
    throw e;
  }
}
