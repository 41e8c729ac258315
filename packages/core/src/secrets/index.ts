import { type Db, sql } from "@keyflow/db";
import {
  createSecretInput,
  importApiKeyInput,
  listSecretsInput,
  MAX_SECRET_NAME,
  nodeSecretsInput,
  secretIdInput,
  setNodesInput,
  updateSecretInput,
} from "@keyflow/schemas";
import type { z } from "zod";
import { type Access, loadAccess, loadNodeAccess } from "../access";
import { tokenAad } from "../apiKeys/issue";
import { type KeyState, keyState } from "../apiKeys/keys";
import { recordAudit } from "../audit";
import type { Keyring } from "../crypto";
import { badRequest, conflict, forbidden, isUniqueViolation, notFound } from "../errors";
import { type Principal, requireUser } from "../principal";
import { loadAccessAs } from "../scoped";
import { parse } from "../validate";

/** Associated data binding an encrypted value to its row. */
export const secretAad = (secretId: number) => `secrets:${secretId}`;

/** The environment variable a job reads a secret from (the RnDFlow job library's convention). */
export const secretEnvName = (name: string) => `RNDFLOW_SECRET_${name.toUpperCase()}`;

const NAME_INDEX = "secrets_name_key";

export interface SecretView {
  id: number;
  projectId: number;
  name: string;
  description: string;
  type: "variable";
  /** Nodes that may read the secret (for a code_view-only caller: only nodes where they hold code_view). */
  nodeIds: number[];
  /** The API key an imported secret came from; null for ordinary secrets and for non-managers. */
  sourceKeyId: number | null;
  /**
   * State of the source key of an imported secret (null for ordinary secrets). A source key that
   * no longer exists, or whose template or project was deleted, counts as revoked.
   */
  sourceKeyState: KeyState | null;
  /** "token" for the key's token, else the information field's name; null for ordinary secrets. */
  sourceField: string | null;
  /** Never revealed (imported tokens). */
  writeOnly: boolean;
  /** null for non-managers, or when the creator's account is gone. */
  createdBy: { id: number; name: string } | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Secrets of one project (optionally only some), in name order, with key states and access lists. */
async function secretViews(db: Db, projectId: number, secretIds?: number[]): Promise<SecretView[]> {
  if (secretIds?.length === 0) return [];
  let q = db
    .selectFrom("secrets as s")
    .leftJoin("api_keys as k", "k.id", "s.source_key_id")
    .leftJoin("api_key_templates as t", "t.id", "k.template_id")
    .leftJoin("projects as p", "p.id", "k.project_id")
    .leftJoin("users as u", "u.id", "s.created_by")
    .select([
      "s.id",
      "s.project_id",
      "s.name",
      "s.description",
      "s.type",
      "s.source_key_id",
      "s.source_field",
      "s.write_only",
      "s.created_by",
      "s.created_at",
      "s.updated_at",
      "u.name as creator_name",
      "k.revoked_at",
      "k.expires_at",
      sql<boolean>`coalesce(t.deleted_at is not null or p.deleted_at is not null, false)`.as("key_gone"),
    ])
    .where("s.project_id", "=", projectId);
  if (secretIds) q = q.where("s.id", "in", secretIds);
  const rows = await q.orderBy(sql`lower(s.name)`).orderBy("s.id").execute();
  if (rows.length === 0) return [];
  const grants = await db
    .selectFrom("secret_nodes")
    .select(["secret_id", "node_id"])
    .where(
      "secret_id",
      "in",
      rows.map((r) => r.id),
    )
    .orderBy("node_id")
    .execute();
  const now = new Date();
  return rows.map((r) => {
    let sourceKeyState: KeyState | null = null;
    if (r.source_key_id !== null)
      sourceKeyState = r.key_gone
        ? "revoked"
        : keyState({ revoked_at: r.revoked_at ?? null, expires_at: r.expires_at ?? null }, now);
    else if (r.source_field !== null) sourceKeyState = "revoked"; // the key row itself is gone
    return {
      id: r.id,
      projectId: r.project_id,
      name: r.name,
      description: r.description,
      type: r.type,
      nodeIds: grants.filter((g) => g.secret_id === r.id).map((g) => g.node_id),
      sourceKeyId: r.source_key_id,
      sourceKeyState,
      sourceField: r.source_field,
      writeOnly: r.write_only,
      createdBy: r.created_by === null ? null : { id: r.created_by, name: r.creator_name ?? "" },
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  });
}

async function secretView(db: Db, projectId: number, secretId: number): Promise<SecretView> {
  const [view] = await secretViews(db, projectId, [secretId]);
  if (!view) throw notFound("Secret");
  return view;
}

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

function namesOnly(views: SecretView[], access: Access): SecretView[] {
  return views
    .map((s) => ({
      ...s,
      nodeIds: s.nodeIds.filter((n) => access.hasOnNode("code_view", n)),
      sourceKeyId: null,
      createdBy: null,
    }))
    .filter((s) => s.nodeIds.length > 0);
}

/** A secret the caller may manage (`project_manage`); NOT_FOUND when missing or its project is invisible. */
async function managedSecret(db: Db, principal: Principal, secretId: number) {
  const row = await db.selectFrom("secrets").selectAll().where("id", "=", secretId).executeTakeFirst();
  if (!row) throw notFound("Secret");
  const access = await loadAccessAs(db, principal, row.project_id, "Secret");
  access.require("project_manage");
  return row;
}

async function nameTaken(db: Db, projectId: number, names: string[], exceptId?: number) {
  if (names.length === 0) return [];
  let q = db
    .selectFrom("secrets")
    .select("name")
    .where("project_id", "=", projectId)
    .where(
      sql<string>`lower(name)`,
      "in",
      names.map((n) => n.toLowerCase()),
    );
  if (exceptId !== undefined) q = q.where("id", "!=", exceptId);
  return (await q.orderBy("name").execute()).map((r) => r.name);
}

const duplicate = (name: string) =>
  conflict(`A secret named "${name}" already exists in this project (names ignore case)`);

async function nextIds(db: Db, n: number): Promise<number[]> {
  const { rows } = await sql<{
    id: number;
  }>`select nextval('secrets_id_seq')::int as id from generate_series(1, ${n})`.execute(db);
  return rows.map((r) => r.id);
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
  const [taken] = await nameTaken(db, data.projectId, [data.name]);
  if (taken) throw duplicate(taken);
  try {
    const id = await db.transaction().execute(async (trx) => {
      const [id] = await nextIds(trx, 1);
      await trx
        .insertInto("secrets")
        .values({
          id: id!,
          project_id: data.projectId,
          name: data.name,
          description: data.description ?? "",
          value_encrypted: keyring.encrypt("secret_value", data.value, secretAad(id!)),
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
    if (isUniqueViolation(e, NAME_INDEX)) throw duplicate(data.name);
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
    const [taken] = await nameTaken(db, row.project_id, [data.name], row.id);
    if (taken) throw duplicate(taken);
  }
  const changed = (["name", "description", "value"] as const).filter((k) => data[k] !== undefined);
  try {
    await db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable("secrets")
        .set({
          ...(data.name !== undefined && { name: data.name }),
          ...(data.description !== undefined && { description: data.description }),
          ...(data.value !== undefined && {
            value_encrypted: keyring.encrypt("secret_value", data.value, secretAad(row.id)),
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
    if (isUniqueViolation(e, NAME_INDEX)) throw duplicate(data.name ?? row.name);
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
  const value = keyring.decrypt("secret_value", row.value_encrypted, secretAad(row.id));
  await recordAudit(db, {
    projectId: row.project_id,
    actorId,
    action: "secret.reveal",
    target: row.name,
    details: { secretId: row.id },
  });
  return { value };
}

/** Replaces the secret's access list (`project_manage`); every node must belong to its project. */
export async function setNodes(
  db: Db,
  principal: Principal,
  input: z.input<typeof setNodesInput>,
): Promise<SecretView> {
  const data = parse(setNodesInput, input);
  const actorId = requireUser(principal);
  const row = await managedSecret(db, principal, data.secretId);
  const nodeIds = [...new Set(data.nodeIds)].sort((a, b) => a - b);
  const notInProject = (id: number) => badRequest("nodeIds", `node ${id} is not in this project`);
  if (nodeIds.length > 0) {
    const found = await db
      .selectFrom("nodes")
      .select("id")
      .where("project_id", "=", row.project_id)
      .where("id", "in", nodeIds)
      .execute();
    const ok = new Set(found.map((n) => n.id));
    const missing = nodeIds.find((n) => !ok.has(n));
    if (missing !== undefined) throw notInProject(missing);
  }
  try {
    await db.transaction().execute(async (trx) => {
      // serialises concurrent edits of one access list
      const locked = await trx
        .selectFrom("secrets")
        .select("id")
        .where("id", "=", row.id)
        .forUpdate()
        .executeTakeFirst();
      if (!locked) throw notFound("Secret");
      const before = (
        await trx.deleteFrom("secret_nodes").where("secret_id", "=", row.id).returning("node_id").execute()
      ).map((r) => r.node_id);
      if (nodeIds.length > 0)
        await trx
          .insertInto("secret_nodes")
          .values(nodeIds.map((node_id) => ({ secret_id: row.id, node_id })))
          .execute();
      await trx
        .updateTable("secrets")
        .set({ updated_at: sql<Date>`now()` })
        .where("id", "=", row.id)
        .execute();
      await recordAudit(trx, {
        projectId: row.project_id,
        actorId,
        action: "secret.set_nodes",
        target: row.name,
        details: {
          secretId: row.id,
          nodeIds,
          added: nodeIds.filter((n) => !before.includes(n)),
          removed: before.filter((n) => !nodeIds.includes(n)),
        },
      });
    });
  } catch (e) {
    // a node deleted meanwhile
    const err = e as { code?: string; detail?: string };
    if (err?.code === "23503") {
      const id = Number(/\(node_id\)=\((\d+)\)/.exec(err.detail ?? "")?.[1]);
      throw Number.isFinite(id) ? notInProject(id) : badRequest("nodeIds", "a node is not in this project");
    }
    throw e;
  }
  return secretView(db, row.project_id, row.id);
}

const importConflict = (names: string[]) =>
  conflict(
    `Secrets already exist with these names (names ignore case): ${names.join(", ")}. Nothing was imported; choose another prefix`,
  );

/**
 * Imports the caller's own API key into a project where they hold `project_manage` (SPEC §3.6):
 * `<prefix>_token` (write-only) and `<prefix>_<field>` for each information field, all or nothing.
 * Anyone else's key is NOT_FOUND; a revoked or expired key CONFLICT (checked under a row lock);
 * an existing name, or a concurrent import taking one, CONFLICT naming the clashes.
 */
export async function importApiKey(
  db: Db,
  principal: Principal,
  input: z.input<typeof importApiKeyInput>,
  keyring: Keyring,
): Promise<SecretView[]> {
  const data = parse(importApiKeyInput, input);
  const userId = requireUser(principal);
  (await loadAccess(db, principal, data.projectId)).require("project_manage");
  const own = await db
    .selectFrom("api_keys")
    .select("id")
    .where("id", "=", data.keyId)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  if (!own) throw notFound("API key");

  let names: string[] = [];
  try {
    const ids = await db.transaction().execute(async (trx) => {
      // the lock orders this import after a concurrent revocation (or import) of the same key
      const key = await trx
        .selectFrom("api_keys")
        .select(["id", "project_id", "template_id", "token_encrypted", "revoked_at", "expires_at"])
        .where("id", "=", data.keyId)
        .where("user_id", "=", userId)
        .forUpdate()
        .executeTakeFirst();
      if (!key) throw notFound("API key");
      const source = await trx
        .selectFrom("api_key_templates as t")
        .innerJoin("projects as p", "p.id", "t.project_id")
        .select([
          "t.name as template_name",
          "p.name as project_name",
          sql<boolean>`t.deleted_at is not null or p.deleted_at is not null`.as("gone"),
        ])
        .where("t.id", "=", key.template_id)
        .executeTakeFirstOrThrow();
      const state = source.gone ? "revoked" : keyState(key);
      if (state !== "active") throw conflict(`This API key is ${state}; only an active key can be imported`);

      const fields = await trx
        .selectFrom("api_key_template_fields")
        .select(["name", "description", "value"])
        .where("template_id", "=", key.template_id)
        .orderBy("id")
        .execute();
      const from = `API key "${source.template_name}" of project "${source.project_name}"`;
      const entries = [
        {
          name: `${data.prefix}_token`,
          value: keyring.decrypt("api_key_token", key.token_encrypted, tokenAad(key.id)),
          field: "token",
          writeOnly: true,
          description: `Token of ${from}`,
        },
        ...fields.map((f) => ({
          name: `${data.prefix}_${f.name}`,
          value: f.value,
          field: f.name,
          writeOnly: false,
          description: f.description ? `${f.description} (${from})` : `Field "${f.name}" of ${from}`,
        })),
      ];
      names = entries.map((e) => e.name);
      const tooLong = names.find((n) => n.length > MAX_SECRET_NAME);
      if (tooLong)
        throw badRequest(
          "prefix",
          `is too long: secret "${tooLong}" would exceed ${MAX_SECRET_NAME} characters`,
        );
      const lowered = names.map((n) => n.toLowerCase());
      const twins = names.filter((_, i) => lowered.indexOf(lowered[i]!) !== i);
      if (twins.length > 0)
        throw conflict(`The key's fields give secret names that differ only in case: ${twins.join(", ")}`);
      const taken = await nameTaken(trx, data.projectId, names);
      if (taken.length > 0) throw importConflict(taken);

      const ids = await nextIds(trx, entries.length);
      await trx
        .insertInto("secrets")
        .values(
          entries.map((e, i) => ({
            id: ids[i]!,
            project_id: data.projectId,
            name: e.name,
            description: e.description,
            value_encrypted: keyring.encrypt("secret_value", e.value, secretAad(ids[i]!)),
            source_key_id: key.id,
            source_field: e.field,
            write_only: e.writeOnly,
            created_by: userId,
          })),
        )
        .execute();
      await recordAudit(trx, {
        projectId: data.projectId,
        actorId: userId,
        action: "secret.import",
        target: `${data.prefix}_*`,
        details: {
          keyId: key.id,
          sourceProjectId: key.project_id,
          templateName: source.template_name,
          prefix: data.prefix,
          names,
          secretIds: ids,
        },
      });
      return ids;
    });
    return await secretViews(db, data.projectId, ids);
  } catch (e) {
    // a concurrent import (or create) took a name between the check and the insert
    if (isUniqueViolation(e, NAME_INDEX)) {
      const taken = await nameTaken(db, data.projectId, names);
      throw importConflict(taken.length > 0 ? taken : names);
    }
    throw e;
  }
}

/** Names of the secrets a node can read, for its Description tab (`code_view` on the node). */
export async function secretNamesForNode(
  db: Db,
  principal: Principal,
  input: z.input<typeof nodeSecretsInput>,
): Promise<{ id: number; name: string; envName: string; writeOnly: boolean }[]> {
  const { nodeId } = parse(nodeSecretsInput, input);
  requireUser(principal);
  const { access } = await loadNodeAccess(db, principal, nodeId);
  access.requireOnNode("code_view", nodeId);
  const rows = await db
    .selectFrom("secrets as s")
    .innerJoin("secret_nodes as sn", "sn.secret_id", "s.id")
    .select(["s.id", "s.name", "s.write_only"])
    .where("sn.node_id", "=", nodeId)
    .orderBy(sql`lower(s.name)`)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    envName: secretEnvName(r.name),
    writeOnly: r.write_only,
  }));
}

/**
 * Internal, for the job executor (no principal: the caller already runs the node's job): every
 * secret granted to the node, decrypted. Never log the result.
 */
export async function secretValuesForNode(
  db: Db,
  keyring: Keyring,
  nodeId: number,
): Promise<{ name: string; value: string }[]> {
  const rows = await db
    .selectFrom("secrets as s")
    .innerJoin("secret_nodes as sn", "sn.secret_id", "s.id")
    .select(["s.id", "s.name", "s.value_encrypted"])
    .where("sn.node_id", "=", nodeId)
    .orderBy(sql`lower(s.name)`)
    .execute();
  return rows.map((r) => {
    try {
      return { name: r.name, value: keyring.decrypt("secret_value", r.value_encrypted, secretAad(r.id)) };
    } catch {
      throw new Error(`Secret "${r.name}" (id ${r.id}) cannot be decrypted with this master secret`);
    }
  });
}
