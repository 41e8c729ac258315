import { type Db, sql } from "@keyflow/db";
import { createSecretInput, listSecretsInput, secretIdInput, updateSecretInput } from "@keyflow/schemas";
import type { z } from "zod";
import { loadAccess } from "../access";
import { recordAudit } from "../audit";
import type { Keyring } from "../crypto";
import { badRequest, forbidden, isUniqueViolation, notFound } from "../errors";
import { type Principal, requireUser } from "../principal";
import { parse } from "../validate";
import { duplicateName, NAME_INDEX, namesTaken } from "./names";
import { decryptSecretValue, encryptSecretValue, nextSecretIds } from "./values";
import { namesOnly, type SecretView, secretView, secretViews } from "./views";

/**
 * Secrets of a project, never with values. `project_manage` sees every secret. A caller without it
 * who holds `code_view` (project-wide or on some nodes) sees names only, and only of secrets granted
 * to a node where they hold `code_view` — the names their code could read (SPEC §2: "the names of
 * secrets granted to nodes"); the access lists are cut down to those nodes, and `sourceKeyId` and
 * `createdBy` are hidden. A project-wide `code_view` thus sees every secret granted to some node;
 * secrets granted to no node stay a manager's business. Anyone else: FORBIDDEN (NOT_FOUND when the
 * project is invisible). Signed-in users only.
 */
export async function listSecrets(
  db: Db,
  principal: Principal,
  input: z.input<typeof listSecretsInput>,
): Promise<SecretView[]> {
  const { projectId } = parse(listSecretsInput, input);
  requireUser(principal);
  const access = await loadAccess(db, principal, projectId);
  if (access.has("project_manage")) return secretViews(db, projectId);
  if (!access.hasOnSomeNode("code_view")) throw forbidden("Missing permission code_view in this project");
  return namesOnly(await secretViews(db, projectId), access);
}

/** A secret the caller may manage (`project_manage`); NOT_FOUND when missing or its project is invisible. */
export async function managedSecret(db: Db, principal: Principal, secretId: number) {
  const row = await db.selectFrom("secrets").selectAll().where("id", "=", secretId).executeTakeFirst();
  if (!row) throw notFound("Secret");
  const access = await loadAccess(db, principal, row.project_id, "Secret");
  access.require("project_manage");
  return row;
}

/** A new ordinary secret (`project_manage`); the value is stored encrypted only. */
export async function createSecret(
  db: Db,
  principal: Principal,
  input: z.input<typeof createSecretInput>,
  keyring: Keyring,
): Promise<SecretView> {
  const data = parse(createSecretInput, input);
  const actorId = requireUser(principal);
  (await loadAccess(db, principal, data.projectId)).require("project_manage");
  const [taken] = await namesTaken(db, data.projectId, [data.name]);
  if (taken) throw duplicateName(taken);
  try {
    const id = await db.transaction().execute(async (trx) => {
      const [id] = await nextSecretIds(trx, 1);
      await trx
        .insertInto("secrets")
        .values({
          id: id!,
          project_id: data.projectId,
          name: data.name,
          description: data.description ?? "",
          value_encrypted: encryptSecretValue(keyring, id!, data.value),
          created_by: actorId,
        })
        .execute();
      await recordAudit(trx, {
        projectId: data.projectId,
        actorId,
        action: "secret.create",
        target: data.name,
        details: { secretId: id },
      });
      return id!;
    });
    return await secretView(db, data.projectId, id);
  } catch (e) {
    if (isUniqueViolation(e, NAME_INDEX)) throw duplicateName(data.name);
    throw e;
  }
}

/**
 * Renames, re-describes or sets a new value (`project_manage`). An imported secret's value comes
 * from its key and cannot be replaced: delete it and import again.
 */
export async function updateSecret(
  db: Db,
  principal: Principal,
  input: z.input<typeof updateSecretInput>,
  keyring: Keyring,
): Promise<SecretView> {
  const data = parse(updateSecretInput, input);
  const actorId = requireUser(principal);
  const row = await managedSecret(db, principal, data.secretId);
  if (data.value !== undefined && row.source_field !== null)
    throw badRequest(
      "value",
      "an imported secret keeps the value of its API key; delete it and import the key again",
    );
  if (data.name !== undefined) {
    const [taken] = await namesTaken(db, row.project_id, [data.name], row.id);
    if (taken) throw duplicateName(taken);
  }
  const changed = (["name", "description", "value"] as const).filter((k) => data[k] !== undefined);
  // nothing to change: a no-op (no audit entry, updated_at kept)
  if (changed.length === 0) return secretView(db, row.project_id, row.id);
  try {
    await db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable("secrets")
        .set({
          ...(data.name !== undefined && { name: data.name }),
          ...(data.description !== undefined && { description: data.description }),
          ...(data.value !== undefined && {
            value_encrypted: encryptSecretValue(keyring, row.id, data.value),
          }),
          updated_at: sql<Date>`now()`,
        })
        .where("id", "=", row.id)
        .returning("name")
        .executeTakeFirst();
      if (!updated) throw notFound("Secret");
      await recordAudit(trx, {
        projectId: row.project_id,
        actorId,
        action: "secret.update",
        target: updated.name,
        details: {
          secretId: row.id,
          changed,
          ...(data.name !== undefined && data.name !== row.name && { previousName: row.name }),
        },
      });
    });
  } catch (e) {
    if (isUniqueViolation(e, NAME_INDEX)) throw duplicateName(data.name ?? row.name);
    throw e;
  }
  return secretView(db, row.project_id, row.id);
}

export async function deleteSecret(db: Db, principal: Principal, input: z.input<typeof secretIdInput>) {
  const { secretId } = parse(secretIdInput, input);
  const actorId = requireUser(principal);
  const row = await managedSecret(db, principal, secretId);
  await db.transaction().execute(async (trx) => {
    const deleted = await trx
      .deleteFrom("secrets")
      .where("id", "=", row.id)
      .returning("id")
      .executeTakeFirst();
    if (!deleted) throw notFound("Secret");
    await recordAudit(trx, {
      projectId: row.project_id,
      actorId,
      action: "secret.delete",
      target: row.name,
      details: { secretId: row.id, ...(row.source_key_id !== null && { sourceKeyId: row.source_key_id }) },
    });
  });
  return { id: row.id };
}

/** The plain value, for `project_manage` only; write-only secrets (imported tokens) never. Audited. */
export async function revealSecret(
  db: Db,
  principal: Principal,
  input: z.input<typeof secretIdInput>,
  keyring: Keyring,
): Promise<{ value: string }> {
  const { secretId } = parse(secretIdInput, input);
  const actorId = requireUser(principal);
  const row = await managedSecret(db, principal, secretId);
  if (row.write_only)
    throw forbidden(
      `Secret "${row.name}" holds an API key token and is write-only: it can never be revealed, only used by the nodes it is granted to`,
    );
  const value = decryptSecretValue(keyring, row);
  await recordAudit(db, {
    projectId: row.project_id,
    actorId,
    action: "secret.reveal",
    target: row.name,
    details: { secretId: row.id },
  });
  return { value };
}
