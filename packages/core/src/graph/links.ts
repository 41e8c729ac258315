import type { Db } from "@keyflow/db";
import { createLinkInput, linkIdInput } from "@keyflow/schemas";
import type { z } from "zod";
import { loadAccess } from "../access";
import { recordAudit } from "../audit";
import { badRequest, conflict, isForeignKeyViolation, isUniqueViolation, notFound } from "../errors";
import { matchLabelFilter } from "../packages/propagate";
import { type Principal, requireUser } from "../principal";
import { parse } from "../validate";

export interface LinkView {
  id: number;
  projectId: number;
  fromNodeId: number;
  toNodeId: number;
  labelFilter: string | null;
  /** Set when the filter failed while matching a package; that push was skipped. */
  filterError: string | null;
  createdAt: Date;
}

export const linkView = (l: {
  id: number;
  project_id: number;
  from_node_id: number;
  to_node_id: number;
  label_filter: string | null;
  filter_error: string | null;
  created_at: Date;
}): LinkView => ({
  id: l.id,
  projectId: l.project_id,
  fromNodeId: l.from_node_id,
  toNodeId: l.to_node_id,
  labelFilter: l.label_filter,
  filterError: l.filter_error,
  createdAt: l.created_at,
});

/** A push link between two nodes of the project; the label filter is compiled on save. */
export async function createLink(
  db: Db,
  principal: Principal,
  input: z.input<typeof createLinkInput>,
): Promise<LinkView> {
  const data = parse(createLinkInput, input);
  const actorId = requireUser(principal);
  const access = await loadAccess(db, principal, data.projectId);
  access.require("graph_edit");
  if (data.fromNodeId === data.toNodeId) throw badRequest("toNodeId", "a node cannot link to itself");
  const nodes = await db
    .selectFrom("nodes")
    .select(["id", "name"])
    .where("project_id", "=", data.projectId)
    .where("id", "in", [data.fromNodeId, data.toNodeId])
    .execute();
  const from = nodes.find((n) => n.id === data.fromNodeId);
  const to = nodes.find((n) => n.id === data.toNodeId);
  if (!from) throw badRequest("fromNodeId", "no such node in this project");
  if (!to) throw badRequest("toNodeId", "no such node in this project");
  const labelFilter = data.labelFilter ?? null;
  return db
    .transaction()
    .execute(async (trx) => {
      if (labelFilter !== null) {
        const check = await matchLabelFilter(trx, labelFilter, "");
        if (!check.ok) throw badRequest("labelFilter", check.message);
      }
      const link = await trx
        .insertInto("links")
        .values({
          project_id: data.projectId,
          from_node_id: from.id,
          to_node_id: to.id,
          label_filter: labelFilter,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordAudit(trx, {
        projectId: data.projectId,
        actorId,
        action: "link.create",
        target: `${from.name} → ${to.name}`,
        details: { linkId: link.id, fromNodeId: from.id, toNodeId: to.id, labelFilter },
      });
      return linkView(link);
    })
    .catch((e) => {
      if (isUniqueViolation(e, "links_from_node_id_to_node_id_key"))
        throw conflict("These nodes are already linked");
      // a node was deleted meanwhile (foreign key violation)
      if (isForeignKeyViolation(e)) throw badRequest("toNodeId", "no such node in this project");
      throw e;
    });
}

export async function deleteLink(db: Db, principal: Principal, input: z.input<typeof linkIdInput>) {
  const { linkId } = parse(linkIdInput, input);
  const actorId = requireUser(principal);
  const link = await db
    .selectFrom("links")
    .select(["id", "project_id", "from_node_id", "to_node_id"])
    .where("id", "=", linkId)
    .executeTakeFirst();
  if (!link) throw notFound("Link");
  (await loadAccess(db, principal, link.project_id, "Link")).require("graph_edit");
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom("links").where("id", "=", linkId).execute();
    await recordAudit(trx, {
      projectId: link.project_id,
      actorId,
      action: "link.delete",
      details: { linkId, fromNodeId: link.from_node_id, toNodeId: link.to_node_id },
    });
  });
  return { id: linkId };
}
