import type { Db } from "@keyflow/db";
import { graphInput } from "@keyflow/schemas";
import type { z } from "zod";
import { loadAccess } from "../access";
import { requireLayer } from "../dataLayers";
import type { Principal } from "../principal";
import { parse } from "../validate";
import { type LinkView, linkView } from "./links";
import { type NodeView, nodeView } from "./nodes";

/** Nodes and links of a project (`graph_view`); node activity as seen in `dataLayerId`. */
export async function getGraph(
  db: Db,
  principal: Principal,
  input: z.input<typeof graphInput>,
): Promise<{ projectId: number; nodes: NodeView[]; links: LinkView[] }> {
  const data = parse(graphInput, input);
  const access = await loadAccess(db, principal, data.projectId);
  access.require("graph_view");
  if (data.dataLayerId !== undefined) await requireLayer(db, access, data.dataLayerId, "read");
  const [nodes, links, inactive, newest, references] = await Promise.all([
    db.selectFrom("nodes").selectAll().where("project_id", "=", data.projectId).orderBy("id").execute(),
    db.selectFrom("links").selectAll().where("project_id", "=", data.projectId).orderBy("id").execute(),
    data.dataLayerId === undefined
      ? []
      : db
          .selectFrom("node_layer_state")
          .select("node_id")
          .where("data_layer_id", "=", data.dataLayerId)
          .where("active", "=", false)
          .execute(),
    data.dataLayerId === undefined ? [] : lastJobs(db, data.projectId, data.dataLayerId),
    db
      .selectFrom("api_key_template_fields as f")
      .innerJoin("api_key_templates as t", "t.id", "f.template_id")
      .select(["f.node_id", "t.name"])
      .distinct()
      .where("t.project_id", "=", data.projectId)
      .where("t.deleted_at", "is", null)
      .where("f.node_id", "is not", null)
      .orderBy("t.name")
      .execute(),
  ]);
  const usedBy = (nodeId: number) => references.filter((r) => r.node_id === nodeId).map((r) => r.name);
  const off = new Set(inactive.map((r) => r.node_id));
  const last = new Map(
    newest
      .filter((j) => access.hasOnNode("package_view", j.node_id))
      .map((j) => [j.node_id, { id: j.id, state: j.state, finishedAt: j.finished_at }]),
  );
  return {
    projectId: data.projectId,
    nodes: nodes.map((n) => nodeView(n, access, !off.has(n.id), last.get(n.id) ?? null, usedBy(n.id))),
    links: links.map(linkView),
  };
}

/**
 * The newest job of each compute node of the project in one layer, in one query: a lateral
 * lookup per node walks `jobs_node_idx` (node_id, id desc) from the top to the first job of the
 * layer, so it costs little however many jobs the project has.
 */
function lastJobs(db: Db, projectId: number, dataLayerId: number) {
  return db
    .selectFrom("nodes as n")
    .innerJoinLateral(
      (eb) =>
        eb
          .selectFrom("jobs")
          .select(["jobs.id", "jobs.state", "jobs.finished_at"])
          .whereRef("jobs.node_id", "=", "n.id")
          .where("jobs.data_layer_id", "=", dataLayerId)
          .orderBy("jobs.id", "desc")
          .limit(1)
          .as("j"),
      (join) => join.onTrue(),
    )
    .select(["n.id as node_id", "j.id", "j.state", "j.finished_at"])
    .where("n.project_id", "=", projectId)
    .where("n.kind", "=", "compute")
    .execute();
}
