import { type Db, sql } from "@keyflow/db";
import { keyIdInput, suspendKeyInput } from "@keyflow/schemas";
import type { z } from "zod";
import { recordAudit } from "../audit";
import { conflict } from "../errors";
import { enqueueEmailToUser } from "../mail";
import { type Principal, requireUser } from "../principal";
import { parse } from "../validate";
import { keysChanged } from "./invalidation";
import { managedKey } from "./keys";
import { assertKeyTransition, KEY_TRANSITIONS, keyState, keyTransitionMessage } from "./lifecycle";

/** The state a key is in now (after a conditional update matched nothing). */
async function currentState(db: Db, keyId: number) {
  const k = await db
    .selectFrom("api_keys")
    .select(["revoked_at", "expires_at", "suspended_at"])
    .where("id", "=", keyId)
    .executeTakeFirstOrThrow();
  return keyState(k);
}

/**
 * A project manager pauses a key: every API process refuses it with 403 and the reason within a
 * second (NOTIFY on commit); its statistics, personal layer and imported secrets stay. Audited, and
 * the holder is e-mailed, in the same transaction.
 */
export async function suspendKey(db: Db, principal: Principal, input: z.input<typeof suspendKeyInput>) {
  const { keyId, reason } = parse(suspendKeyInput, input);
  const actorId = requireUser(principal);
  const key = await managedKey(db, principal, keyId);
  assertKeyTransition("suspend", keyState(key), ["manager"]);
  return db.transaction().execute(async (trx) => {
    const done = await trx
      .updateTable("api_keys")
      .set({ suspended_at: new Date(), suspended_by: actorId, suspend_reason: reason })
      .where("id", "=", keyId)
      .where("revoked_at", "is", null)
      .where("suspended_at", "is", null)
      .where(sql<boolean>`(expires_at is null or expires_at > now())`)
      .returning("suspended_at")
      .executeTakeFirst();
    if (!done) throw conflict(keyTransitionMessage("suspend", await currentState(trx, keyId)));
    await keysChanged(trx, { keyIds: [keyId] });
    await recordAudit(trx, {
      projectId: key.project_id,
      actorId,
      action: KEY_TRANSITIONS.suspend.audit,
      target: key.template_name,
      details: { keyId, userId: key.user_id, reason },
    });
    await enqueueEmailToUser(trx, key.user_id, "key_suspended", {
      projectId: key.project_id,
      projectName: key.project_name,
      templateName: key.template_name,
      reason,
    });
    return { id: keyId, state: KEY_TRANSITIONS.suspend.to, reason, suspendedAt: done.suspended_at };
  });
}

/** A project manager lets a suspended key work again (same token, statistics continue); audited, e-mailed. */
export async function resumeKey(db: Db, principal: Principal, input: z.input<typeof keyIdInput>) {
  const { keyId } = parse(keyIdInput, input);
  const actorId = requireUser(principal);
  const key = await managedKey(db, principal, keyId);
  assertKeyTransition("resume", keyState(key), ["manager"]);
  return db.transaction().execute(async (trx) => {
    const done = await trx
      .updateTable("api_keys")
      .set({ suspended_at: null, suspended_by: null, suspend_reason: null })
      .where("id", "=", keyId)
      .where("revoked_at", "is", null)
      .where("suspended_at", "is not", null)
      .where(sql<boolean>`(expires_at is null or expires_at > now())`)
      .returning("id")
      .executeTakeFirst();
    if (!done) throw conflict(keyTransitionMessage("resume", await currentState(trx, keyId)));
    await keysChanged(trx, { keyIds: [keyId] });
    await recordAudit(trx, {
      projectId: key.project_id,
      actorId,
      action: KEY_TRANSITIONS.resume.audit,
      target: key.template_name,
      details: { keyId, userId: key.user_id },
    });
    await enqueueEmailToUser(trx, key.user_id, "key_resumed", {
      projectId: key.project_id,
      projectName: key.project_name,
      templateName: key.template_name,
    });
    return { id: keyId, state: KEY_TRANSITIONS.resume.to };
  });
}
