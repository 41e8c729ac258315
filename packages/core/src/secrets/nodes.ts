import { type Db, sql } from "@keyflow/db";
import { nodeSecretsInput, secretEnvName, setNodesInput } from "@keyflow/schemas";
import type { z } from "zod";
import { loadNodeAccess } from "../access";
import { recordAudit } from "../audit";
import { badRequest, notFound } from "../errors";
import { type Principal, requireUser } from "../principal";
import { parse } from "../validate";
import { managedSecret } from "./manage";
import { type SecretView, secretView } from "./views";

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
