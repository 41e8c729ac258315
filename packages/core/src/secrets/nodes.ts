import { type Db, sql } from "@keyflow/db";
import { grantKeyToNodeInput, nodeSecretsInput, secretEnvName, setNodesInput } from "@keyflow/schemas";
import type { z } from "zod";
import { loadAccess, loadNodeAccess } from "../access";
import { recordAudit } from "../audit";
import { badRequest, isForeignKeyViolation, missingReference, notFound } from "../errors";
import { type Principal, requireUser } from "../principal";
import { parse } from "../validate";
import { managedSecret } from "./manage";
import { type SecretView, secretView, secretViews } from "./views";

/** A node deleted while its grants were being written: BAD_REQUEST naming it, as for a node never there. */
function deletedNode(e: unknown, field: string, notInProject: (id: number) => Error): never {
  if (isForeignKeyViolation(e)) {
    const id = missingReference(e, "node_id");
    throw id !== null ? notInProject(id) : badRequest(field, "a node is not in this project");
  }
  throw e;
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
    deletedNode(e, "nodeIds", notInProject); // a node deleted meanwhile
  }
  return secretView(db, row.project_id, row.id);
}

/**
 * Grants one node every secret of one import of an API key — `<prefix>_token` and
 * `<prefix>_<field>` for the key's fields, as `importApiKey` named them — in one transaction with
 * one audit entry (`secret.grant_key`). The rules of `setNodes`: `project_manage` in the project,
 * a node of the project. Secrets the node could already read stay as they are; no secret of that
 * import in the project is NOT_FOUND. Answers the import's secrets, in name order.
 */
export async function grantKeyToNode(
  db: Db,
  principal: Principal,
  input: z.input<typeof grantKeyToNodeInput>,
): Promise<SecretView[]> {
  const data = parse(grantKeyToNodeInput, input);
  const actorId = requireUser(principal);
  (await loadAccess(db, principal, data.projectId)).require("project_manage");
  const notInProject = (id: number) => badRequest("nodeId", `node ${id} is not in this project`);
  const node = await db
    .selectFrom("nodes")
    .select(["id", "name"])
    .where("id", "=", data.nodeId)
    .where("project_id", "=", data.projectId)
    .executeTakeFirst();
  if (!node) throw notInProject(data.nodeId);
  let ids: number[] = [];
  try {
    ids = await db.transaction().execute(async (trx) => {
      // the lock serialises this with edits of the same access lists (setNodes locks the secret too)
      const rows = await trx
        .selectFrom("secrets")
        .select(["id", "name"])
        .where("project_id", "=", data.projectId)
        .where("source_key_id", "=", data.keyId)
        .where(sql<boolean>`name = ${data.prefix} || '_' || source_field`)
        .orderBy("id")
        .forUpdate()
        .execute();
      if (rows.length === 0)
        throw notFound(`Secrets imported from this API key under the prefix "${data.prefix}"`);
      const secretIds = rows.map((r) => r.id);
      const added = (
        await trx
          .insertInto("secret_nodes")
          .values(secretIds.map((secret_id) => ({ secret_id, node_id: node.id })))
          .onConflict((oc) => oc.doNothing())
          .returning("secret_id")
          .execute()
      ).map((r) => r.secret_id);
      if (added.length > 0)
        await trx
          .updateTable("secrets")
          .set({ updated_at: sql<Date>`now()` })
          .where("id", "in", added)
          .execute();
      await recordAudit(trx, {
        projectId: data.projectId,
        actorId,
        action: "secret.grant_key",
        target: `${data.prefix}_*`,
        details: {
          keyId: data.keyId,
          prefix: data.prefix,
          nodeId: node.id,
          secretIds,
          added,
          names: rows.filter((r) => added.includes(r.id)).map((r) => r.name),
        },
      });
      return secretIds;
    });
  } catch (e) {
    deletedNode(e, "nodeId", notInProject);
  }
  return secretViews(db, data.projectId, ids);
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
