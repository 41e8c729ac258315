import type { Database, Db, JobState, NodesTable, Selectable, Transaction } from "@keyflow/db";
import { createNodeInput, nodeIdInput, setActiveInput, updateNodeInput } from "@keyflow/schemas";
import type { z } from "zod";
import { type Access, loadAccess, loadNodeAccess } from "../access";
import { keysChanged } from "../apiKeys/invalidation";
import { recordAudit } from "../audit";
import { requireLayer } from "../dataLayers";
import { badRequest, isForeignKeyViolation, notFound } from "../errors";
import { blobsOfPackages, pgBlobStore } from "../packages/blobStore";
import { type Principal, requireUser } from "../principal";
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

export function nodeView(
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
 * A node changes its kind only while it holds nothing a kind gives meaning to: no packages (in
 * any data layer), no files, no jobs. The node row is locked first, so a package cannot slip in
 * between the check and the change through another updateNode.
 */
async function assertEmptyNode(trx: Transaction<Database>, nodeId: number) {
  await trx.selectFrom("nodes").select("id").where("id", "=", nodeId).forUpdate().execute();
  const held = await trx
    .selectNoFrom((eb) => [
      eb.exists(eb.selectFrom("packages").select("id").where("node_id", "=", nodeId)).as("packages"),
      eb.exists(eb.selectFrom("node_files").select("path").where("node_id", "=", nodeId)).as("files"),
      eb.exists(eb.selectFrom("jobs").select("id").where("node_id", "=", nodeId)).as("jobs"),
    ])
    .executeTakeFirstOrThrow();
  const what = [held.packages && "packages", held.files && "files", held.jobs && "jobs"].filter(Boolean);
  if (what.length > 0)
    throw badRequest(
      "kind",
      `only a node without packages or files can change its kind (this one holds ${what.join(", ").replace(/, ([^,]*)$/, " and $1")}); add a new node instead`,
    );
}

/**
 * Structure (name, kind, runtime, position, …) needs `graph_edit`; parameters are code and need
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
  const kind = structure.kind ?? node.kind;
  checkCompute(kind, structure);
  const kindChange = kind !== node.kind;
  // only a kind change uses these: a data node turning compute has no runtime or entry yet
  const compute = kind === "compute" ? (structure.runtime ?? "python") : null;
  const changes = {
    ...(structure.name !== undefined && { name: structure.name }),
    // a new kind brings its own runtime and entry (none for data, the defaults for compute)
    ...(kindChange && {
      kind,
      runtime: compute,
      entry: compute ? (structure.entry ?? DEFAULT_ENTRY[compute]) : null,
    }),
    ...(structure.description !== undefined && { description: structure.description }),
    ...(structure.runtime !== undefined && { runtime: structure.runtime }),
    ...(structure.entry !== undefined && { entry: structure.entry }),
    ...(structure.timeoutS !== undefined && { timeout_s: structure.timeoutS }),
    ...(structure.posX !== undefined && { pos_x: structure.posX }),
    ...(structure.posY !== undefined && { pos_y: structure.posY }),
    ...(params !== undefined && { params: JSON.stringify(params) }),
  };
  // nothing to change: a no-op answering the node as it is, not an empty UPDATE … SET
  if (Object.keys(changes).length === 0) {
    const row = await db.selectFrom("nodes").selectAll().where("id", "=", node.id).executeTakeFirstOrThrow();
    return nodeView(row, access);
  }
  return db.transaction().execute(async (trx) => {
    if (kindChange) await assertEmptyNode(trx, node.id);
    const row = await trx
      .updateTable("nodes")
      .set(changes)
      .where("id", "=", node.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    // API processes cache the node row (id, kind, name) for their key checks
    if (kindChange || changes.name !== undefined) await keysChanged(trx, { projectId: row.project_id });
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
    // API processes cache the node (and node permissions of roles) for their key checks
    await keysChanged(trx, { projectId: node.project_id });
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

/** Switches a node on or off in one data layer (`graph_edit`, and a layer the caller may write). */
export async function setActive(db: Db, principal: Principal, input: z.input<typeof setActiveInput>) {
  const data = parse(setActiveInput, input);
  const actorId = requireUser(principal);
  const { access, node } = await loadNodeAccess(db, principal, data.nodeId);
  access.require("graph_edit");
  const layer = await requireLayer(db, access, data.dataLayerId, "write");
  await db
    .transaction()
    .execute(async (trx) => {
      await trx
        .insertInto("node_layer_state")
        .values({ node_id: node.id, data_layer_id: layer.id, active: data.active })
        .onConflict((oc) => oc.columns(["node_id", "data_layer_id"]).doUpdateSet({ active: data.active }))
        .execute();
      await keysChanged(trx, { projectId: node.project_id });
      await recordAudit(trx, {
        projectId: node.project_id,
        actorId,
        action: "node.set_active",
        target: `${node.name} in ${layer.name}`,
        details: { nodeId: node.id, dataLayerId: layer.id, active: data.active },
      });
    })
    .catch((e) => {
      // the node or the layer was deleted after it was checked: as if it had never been there
      if (isForeignKeyViolation(e, "node_layer_state_node_id_fkey")) throw notFound("Node");
      if (isForeignKeyViolation(e, "node_layer_state_data_layer_id_fkey")) throw notFound("Data layer");
      throw e;
    });
  return { nodeId: node.id, dataLayerId: layer.id, active: data.active };
}
