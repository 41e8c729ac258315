import type { Db } from "@keyflow/db";
import { DEFAULT_HOLDER_ROLL_GRACE_MINUTES, rollKeyInput } from "@keyflow/schemas";
import type { z } from "zod";
import { loadAccess } from "../access";
import { recordAudit } from "../audit";
import { generateToken, hashToken, type Keyring, tokenStart } from "../crypto";
import { notFound } from "../errors";
import { enqueueEmailToUser } from "../mail";
import { type Principal, requireUser } from "../principal";
import { rewriteTokenSecrets } from "../secrets/rollToken";
import { parse } from "../validate";
import { keysChanged } from "./invalidation";
import { tokenAad } from "./issue";
import { keysWithTemplate } from "./keys";
import { assertKeyTransition, KEY_TRANSITIONS, keyState } from "./lifecycle";

export interface RollResult {
  id: number;
  /** until when the old token is still accepted; null when it was refused at once (grace 0) */
  oldTokenUntil: Date | null;
  /** the new token: only when the caller is the key's holder (an owner's roll never sees it) */
  token?: string;
}

/**
 * Gives an active key a new token (SPEC §12): same row, approval, layer, template and statistics.
 * The key's holder or a manager of its project (`project_manage`) may roll it; anyone else gets
 * NOT_FOUND, like every key that is not theirs. The old token keeps working for `graceMinutes`
 * (default 60 for the holder, 0 for a manager: the "leaked key" roll), then is refused as "rolled".
 * Only one previous token is kept: a second roll makes the token before the last one stop at once,
 * whatever grace it still had. In one transaction: the row under lock, every imported
 * `<prefix>_token` secret of the key (in every project) rewritten with the new token, the audit
 * entries, the NOTIFY to every key cache and the holder's e-mail.
 */
export async function rollKey(
  db: Db,
  principal: Principal,
  input: z.input<typeof rollKeyInput>,
  keyring: Keyring,
): Promise<RollResult> {
  const data = parse(rollKeyInput, input);
  const actorId = requireUser(principal);
  const key = await keysWithTemplate(db)
    .select(["k.id", "k.user_id", "k.project_id", "t.name as template_name", "p.name as project_name"])
    .where("k.id", "=", data.keyId)
    .executeTakeFirst();
  if (!key) throw notFound("API key");
  // the holder wins when they also manage the project: their roll returns the new token
  const isHolder = key.user_id === actorId;
  if (!isHolder) (await loadAccess(db, principal, key.project_id, "API key")).require("project_manage");
  const graceMinutes = data.graceMinutes ?? (isHolder ? DEFAULT_HOLDER_ROLL_GRACE_MINUTES : 0);

  return db.transaction().execute(async (trx) => {
    // the lock orders this roll after a concurrent revocation, suspension or roll of the same key
    const row = await trx
      .selectFrom("api_keys")
      .select(["id", "revoked_at", "expires_at", "suspended_at"])
      .where("id", "=", key.id)
      .forUpdate()
      .executeTakeFirstOrThrow();
    assertKeyTransition("roll", keyState(row), [isHolder ? "holder" : "manager"]);

    const now = new Date();
    const oldTokenUntil = new Date(now.getTime() + graceMinutes * 60_000);
    const token = generateToken();
    await trx
      .updateTable("api_keys")
      .set((eb) => ({
        // the current token becomes the previous one; an older previous token is dropped
        previous_token_hash: eb.ref("token_hash"),
        previous_token_until: oldTokenUntil,
        token_hash: hashToken(token),
        token_encrypted: keyring.encrypt("api_key_token", token, tokenAad(key.id)),
        token_start: tokenStart(token),
        rolled_at: now,
        rolled_by: actorId,
      }))
      .where("id", "=", key.id)
      .execute();
    const rewritten = await rewriteTokenSecrets(trx, keyring, {
      keyId: key.id,
      token,
      actorId,
      templateName: key.template_name,
      sourceProjectId: key.project_id,
    });
    await recordAudit(trx, {
      projectId: key.project_id,
      actorId,
      action: KEY_TRANSITIONS.roll.audit,
      target: key.template_name,
      details: {
        keyId: key.id,
        userId: key.user_id,
        byHolder: isHolder,
        graceMinutes,
        secretsRewritten: rewritten.length,
      },
    });
    // every API process drops its cached verification of both tokens: the old one is re-read with its grace end
    await keysChanged(trx, { keyIds: [key.id] });
    const actor = await trx
      .selectFrom("users")
      .select("name")
      .where("id", "=", actorId)
      .executeTakeFirstOrThrow();
    await enqueueEmailToUser(trx, key.user_id, "key_rolled", {
      projectId: key.project_id,
      projectName: key.project_name,
      templateName: key.template_name,
      byName: isHolder ? "you" : actor.name,
      byHolder: isHolder,
      oldTokenUntil: graceMinutes > 0 ? oldTokenUntil.toISOString() : null,
    });
    return {
      id: key.id,
      oldTokenUntil: graceMinutes > 0 ? oldTokenUntil : null,
      ...(isHolder && { token }),
    };
  });
}
