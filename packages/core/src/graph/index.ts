import type { Db, JobState, NodesTable, Selectable } from "@keyflow/db";
import {
  createLinkInput,
  createNodeInput,
  deleteFileInput,
  graphInput,
  linkIdInput,
  nodeIdInput,
  putFileInput,
  setActiveInput,
  updateNodeInput,
} from "@keyflow/schemas";
import type { z } from "zod";
import { type Access, loadAccess, loadNodeAccess } from "../access";
import { recordAudit } from "../audit";
import { requireLayer } from "../dataLayers";
import { badRequest, conflict, isUniqueViolation, notFound } from "../errors";
import { blobsOfPackages, pgBlobStore } from "../packages/blobStore";
import { matchLabelFilter } from "../packages/propagate";
import { type Principal, requireUser } from "../principal";
import { loadAccessAs } from "../scoped";
import { parse } from "../validate";

type NodeRow = Selectable<NodesTable>;

export interface NodeView {
  id: number;
  projectId: number;
  name: string;
  kind: "data" | "compute";
  description: string;
  runtime: "node" | "python" | null;
  entry: string | null;
  timeoutS: number;
  /** null when the caller lacks `code_view` on the node: parameters are code. */
  params: Record<string, unknown> | null;
  posX: number | null;
  posY: number | null;
  /** Active in the requested data layer (nodes are active unless switched off). */
  active: boolean;
  /**
   * The node's newest job in the requested data layer; null without a layer, for nodes that never
   * ran there, and when the caller lacks `package_view` on the node (what `jobs.list` needs).
   */
  lastJob: LastJob | null;
  /** Live API key templates whose information fields point at this node ("insert node ID"). */
  usedByTemplates: string[];
  createdAt: Date;
}

export interface LastJob {
  id: number;
  state: JobState;
  finishedAt: Date | null;
}

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

function nodeView(
  n: NodeRow,
  access: Access,
  active = true,
  lastJob: LastJob | null = null,
  usedByTemplates: string[] = [],
): NodeView {
  return {
    id: n.id,
    projectId: n.project_id,
    name: n.name,
    kind: n.kind,
    description: n.description,
    runtime: n.runtime,
    entry: n.entry,
    timeoutS: n.timeout_s,
    params: access.hasOnNode("code_view", n.id) ? n.params : null,
    posX: n.pos_x,
    posY: n.pos_y,
    active,
    lastJob,
    usedByTemplates,
    createdAt: n.created_at,
  };
}

const linkView = (l: {
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

/** Only compute nodes run code, so only they have a runtime and an entry file. */
function checkCompute(kind: "data" | "compute", data: { runtime?: unknown; entry?: unknown }) {
  if (kind === "compute") return;
  if (data.runtime !== undefined) throw badRequest("runtime", "only compute nodes have a runtime");
  if (data.entry !== undefined) throw badRequest("entry", "only compute nodes have an entry file");
}

const DEFAULT_ENTRY = { python: "main.py", node: "main.js" } as const;

export async function createNode(
  db: Db,
  principal: Principal,
  input: z.input<typeof createNodeInput>,
): Promise<NodeView> {
  const data = parse(createNodeInput, input);
  const actorId = requireUser(principal);
  const access = await loadAccess(db, principal, data.projectId);
  access.require("graph_edit");
  checkCompute(data.kind, data);
  const runtime = data.kind === "compute" ? (data.runtime ?? "python") : null;
  return db.transaction().execute(async (trx) => {
    const node = await trx
      .insertInto("nodes")
      .values({
        project_id: data.projectId,
        name: data.name,
        kind: data.kind,
        description: data.description ?? "",
        runtime,
        entry: runtime ? (data.entry ?? DEFAULT_ENTRY[runtime]) : null,
        timeout_s: data.timeoutS ?? 600,
        pos_x: data.posX ?? null,
        pos_y: data.posY ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      projectId: data.projectId,
      actorId,
      action: "node.create",
      target: node.name,
      details: { nodeId: node.id, kind: node.kind },
    });
    return nodeView(node, access);
  });
}

/**
 * Structure (name, runtime, position, …) needs `graph_edit`; parameters are code and need
 * `code_edit` on the node, so a code editor can tune them without reshaping the graph.
 */
export async function updateNode(
  db: Db,
  principal: Principal,
  input: z.input<typeof updateNodeInput>,
): Promise<NodeView> {
  const { nodeId, params, ...structure } = parse(updateNodeInput, input);
  const actorId = requireUser(principal);
  const { access, node } = await loadNodeAccess(db, principal, nodeId);
  const changed = Object.keys(structure).filter((k) => structure[k as keyof typeof structure] !== undefined);
  if (changed.length > 0 || params === undefined) access.require("graph_edit");
  if (params !== undefined) access.requireOnNode("code_edit", node.id);
  checkCompute(node.kind, structure);
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable("nodes")
      .set({
        ...(structure.name !== undefined && { name: structure.name }),
        ...(structure.description !== undefined && { description: structure.description }),
        ...(structure.runtime !== undefined && { runtime: structure.runtime }),
        ...(structure.entry !== undefined && { entry: structure.entry }),
        ...(structure.timeoutS !== undefined && { timeout_s: structure.timeoutS }),
        ...(structure.posX !== undefined && { pos_x: structure.posX }),
        ...(structure.posY !== undefined && { pos_y: structure.posY }),
        ...(params !== undefined && { params: JSON.stringify(params) }),
      })
      .where("id", "=", node.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      projectId: row.project_id,
      actorId,
      action: "node.update",
      target: row.name,
      details: { nodeId: row.id, changed: params === undefined ? changed : [...changed, "params"] },
    });
    return nodeView(row, access);
  });
}

/**
 * Deletes a node; foreign keys cascade to its links, packages (and their file rows), files,
 * layer states and role node permissions. Blobs no package references any more are freed.
 */
export async function deleteNode(db: Db, principal: Principal, input: z.input<typeof nodeIdInput>) {
  const { nodeId } = parse(nodeIdInput, input);
  const actorId = requireUser(principal);
  const { access, node } = await loadNodeAccess(db, principal, nodeId);
  access.require("graph_edit");
  await db.transaction().execute(async (trx) => {
    const blobs = await blobsOfPackages(trx, { nodeId });
    await trx.deleteFrom("nodes").where("id", "=", nodeId).execute();
    await pgBlobStore(trx).release(blobs);
    await recordAudit(trx, {
      projectId: node.project_id,
      actorId,
      action: "node.delete",
      target: node.name,
      details: { nodeId },
    });
  });
  return { id: nodeId };
}

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
  if (labelFilter !== null) {
    const check = await matchLabelFilter(db, labelFilter, "");
    if (!check.ok) throw badRequest("labelFilter", check.message);
  }
  return db
    .transaction()
    .execute(async (trx) => {
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
      if ((e as { code?: string }).code === "23503")
        throw badRequest("toNodeId", "no such node in this project");
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
  (await loadAccessAs(db, principal, link.project_id, "Link")).require("graph_edit");
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
  return db.transaction().execute(async (trx) => {
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

/** Switches a node on or off in one data layer (`graph_edit`, and a layer the caller may write). */
export async function setActive(db: Db, principal: Principal, input: z.input<typeof setActiveInput>) {
  const data = parse(setActiveInput, input);
  const actorId = requireUser(principal);
  const { access, node } = await loadNodeAccess(db, principal, data.nodeId);
  access.require("graph_edit");
  const layer = await requireLayer(db, access, data.dataLayerId, "write");
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto("node_layer_state")
      .values({ node_id: node.id, data_layer_id: layer.id, active: data.active })
      .onConflict((oc) => oc.columns(["node_id", "data_layer_id"]).doUpdateSet({ active: data.active }))
      .execute();
    await recordAudit(trx, {
      projectId: node.project_id,
      actorId,
      action: "node.set_active",
      target: `${node.name} in ${layer.name}`,
      details: { nodeId: node.id, dataLayerId: layer.id, active: data.active },
    });
  });
  return { nodeId: node.id, dataLayerId: layer.id, active: data.active };
}
