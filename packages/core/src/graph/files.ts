import type { Db } from "@keyflow/db";
import { deleteFileInput, nodeIdInput, putFileInput } from "@keyflow/schemas";
import type { z } from "zod";
import { loadNodeAccess } from "../access";
import { recordAudit } from "../audit";
import { isForeignKeyViolation, notFound } from "../errors";
import { type Principal, requireUser } from "../principal";
import { parse } from "../validate";

export interface NodeFileView {
  path: string;
  /** UTF-8 text (invalid sequences replaced). */
  content: string;
  size: number;
  executable: boolean;
  updatedAt: Date;
}

/** The node's files (`code_view` on the node), by path. */
export async function listFiles(
  db: Db,
  principal: Principal,
  input: z.input<typeof nodeIdInput>,
): Promise<NodeFileView[]> {
  const { nodeId } = parse(nodeIdInput, input);
  const { access, node } = await loadNodeAccess(db, principal, nodeId);
  access.requireOnNode("code_view", node.id);
  const rows = await db
    .selectFrom("node_files")
    .select(["path", "content", "executable", "updated_at"])
    .where("node_id", "=", node.id)
    .orderBy("path")
    .execute();
  return rows.map((r) => ({
    path: r.path,
    content: r.content.toString("utf8"),
    size: r.content.byteLength,
    executable: r.executable,
    updatedAt: r.updated_at,
  }));
}

/** Creates or replaces a node file (`code_edit` on the node). */
export async function putFile(
  db: Db,
  principal: Principal,
  input: z.input<typeof putFileInput>,
): Promise<Omit<NodeFileView, "content">> {
  const data = parse(putFileInput, input);
  const actorId = requireUser(principal);
  const { access, node } = await loadNodeAccess(db, principal, data.nodeId);
  access.requireOnNode("code_edit", node.id);
  const content = Buffer.from(data.content, "utf8");
  return db
    .transaction()
    .execute(async (trx) => {
      const row = await trx
        .insertInto("node_files")
        .values({
          node_id: node.id,
          path: data.path,
          content,
          executable: data.executable ?? false,
          updated_at: new Date(),
        })
        .onConflict((oc) =>
          oc.columns(["node_id", "path"]).doUpdateSet((eb) => ({
            content: eb.ref("excluded.content"),
            // an edit that does not mention the flag keeps it
            executable: data.executable ?? eb.ref("node_files.executable"),
            updated_at: eb.ref("excluded.updated_at"),
          })),
        )
        .returning(["path", "executable", "updated_at"])
        .executeTakeFirstOrThrow();
      await recordAudit(trx, {
        projectId: node.project_id,
        actorId,
        action: "node.file_put",
        target: `${node.name}/${row.path}`,
        details: { nodeId: node.id, path: row.path, size: content.byteLength },
      });
      return {
        path: row.path,
        size: content.byteLength,
        executable: row.executable,
        updatedAt: row.updated_at,
      };
    })
    .catch((e) => {
      // the node was deleted after it was checked: as if it had never been there
      if (isForeignKeyViolation(e, "node_files_node_id_fkey")) throw notFound("Node");
      throw e;
    });
}

export async function deleteFile(db: Db, principal: Principal, input: z.input<typeof deleteFileInput>) {
  const data = parse(deleteFileInput, input);
  const actorId = requireUser(principal);
  const { access, node } = await loadNodeAccess(db, principal, data.nodeId);
  access.requireOnNode("code_edit", node.id);
  await db.transaction().execute(async (trx) => {
    const gone = await trx
      .deleteFrom("node_files")
      .where("node_id", "=", node.id)
      .where("path", "=", data.path)
      .returning("path")
      .executeTakeFirst();
    if (!gone) throw notFound("File");
    await recordAudit(trx, {
      projectId: node.project_id,
      actorId,
      action: "node.file_delete",
      target: `${node.name}/${data.path}`,
      details: { nodeId: node.id, path: data.path },
    });
  });
  return { nodeId: node.id, path: data.path };
}
