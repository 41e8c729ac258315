import {
  type Database,
  type PackagesTable,
  prepared,
  type Selectable,
  sql,
  type Transaction,
} from "@keyflow/db";
import { badRequest, conflict } from "../errors";
import { queueJob } from "../jobs/queue";
import { withSavepoint } from "../savepoint";
import { lineagesChanged } from "./lineageChanges";

export type PackageRow = Selectable<PackagesTable>;

/** Hard bounds of one lineage (SPEC §11): nodes passed through, and packages per master. */
export const MAX_DEPTH = 64;
export const MAX_DESCENDANTS = 10_000;
export const FILTER_TIMEOUT_MS = 200;

export type FilterResult = { ok: true; match: boolean } | { ok: false; message: string };

/**
 * Matches a label against a link's PostgreSQL regex, as a bind parameter, under a statement
 * timeout and inside a savepoint: an invalid or too slow regex is reported, never thrown, and the
 * caller's transaction (and its statement_timeout) is left as it was.
 */
export async function matchLabelFilter(
  trx: Transaction<Database>,
  filter: string,
  label: string,
): Promise<FilterResult> {
  const r = await withSavepoint(
    trx,
    async (sp) => {
      await sql`select set_config('statement_timeout', ${`${FILTER_TIMEOUT_MS}ms`}, true)`.execute(sp);
      const row = await sql<{ m: boolean }>`select ${label}::text ~ ${filter}::text as m`.execute(sp);
      return row.rows[0]?.m === true;
    },
    { keep: false },
  );
  if (r.ok) return { ok: true, match: r.value };
  const e = r.error as { code?: string; message?: string };
  if (e.code === "57014") return { ok: false, message: `matching took longer than ${FILTER_TIMEOUT_MS} ms` };
  // 2201B invalid_regular_expression; other data exceptions (class 22) and program limits (54)
  if (e.code === "2201B" || e.code?.startsWith("22") || e.code?.startsWith("54"))
    return { ok: false, message: e.message ?? "invalid regular expression" };
  throw r.error;
}

/**
 * THE hook point for the job executor: called in the inserting transaction for every package
 * that arrives in a node (created there from outside, or pushed there), never for a job's own
 * outputs. Data nodes just store packages. For a compute node active in the package's layer it
 * inserts the `jobs` row (UNIQUE(node, package), so it runs once) and queues the graphile-worker
 * job (see jobs/queue.ts, also for the per-project cap).
 */
export async function onPackageArrived(
  trx: Transaction<Database>,
  pkg: PackageRow,
  node: { id: number; kind: "data" | "compute" },
): Promise<void> {
  if (node.kind === "data") return;
  await queueJob(trx, pkg, node.id);
}

export interface PackageFileRef {
  name: string;
  blobHash: string;
  type: string;
  isExecutable: boolean;
  size: number;
}

export type NewPackage = {
  nodeId: number;
  dataLayerId: number;
  label: string;
  fields: Record<string, unknown>;
  files: PackageFileRef[];
  createdBy: number | null;
} & (
  | { origin: "external" }
  /** A job output: same master as its input package, which becomes its parent. */
  | { origin: "job"; parentId: number }
);

export interface PushSkip {
  linkId: number;
  fromPackageId: number;
  reason: "depth" | "descendants" | "filter_error";
}

export interface InsertResult {
  package: PackageRow;
  /** Copies made along push links, in BFS order. */
  pushed: PackageRow[];
  /** Pushes refused by the graph bounds or a broken filter, for the caller to log. */
  skipped: PushSkip[];
}

/**
 * Inserts a package and, in the same transaction (pass one), pushes it along the node's push
 * links, breadth first. Reused by the UI / REST entry points and by the job executor.
 */
export async function insertPackage(
  trx: Transaction<Database>,
  input: NewPackage,
  /** the node's project and kind when the caller already checked that the layer is of that project */
  known?: { project_id: number; kind: "data" | "compute" },
): Promise<InsertResult> {
  const node =
    known ??
    (await trx
      .selectFrom("nodes as n")
      .innerJoin("data_layers as d", "d.project_id", "n.project_id")
      .select(["n.project_id", "n.kind"])
      .where("n.id", "=", input.nodeId)
      .where("d.id", "=", input.dataLayerId)
      .executeTakeFirst());
  if (!node) throw badRequest("dataLayerId", "is not a data layer of this node's project");
  const fields = JSON.stringify(input.fields);

  let pkg: PackageRow | undefined;
  // the lineage's size before this package; an external package starts its own lineage
  let lineage = 0;
  if (input.origin === "external") {
    // its own master: take the id first so master_id can be set in the same INSERT
    pkg = (
      await sql<PackageRow>`${prepared("insert_external_package")}
        with n as (select nextval('packages_id_seq')::int as id)
        insert into packages (id, project_id, node_id, data_layer_id, label, fields, master_id,
          parent_id, origin, node_path, created_by)
        select n.id, ${node.project_id}, ${input.nodeId}, ${input.dataLayerId}, ${input.label},
          ${fields}::jsonb, n.id, null, 'external', array[${input.nodeId}::int], ${input.createdBy}
        from n
        returning *`.execute(trx)
    ).rows[0];
  } else {
    const parent = await trx
      .selectFrom("packages")
      .select(["master_id"])
      .where("id", "=", input.parentId)
      .executeTakeFirst();
    if (parent) lineage = await countLineage(trx, parent.master_id);
    if (lineage >= MAX_DESCENDANTS)
      throw conflict(`Master package ${parent?.master_id} reached ${MAX_DESCENDANTS} descendants`);
    pkg = (
      await sql<PackageRow>`${prepared("insert_job_output")}
        insert into packages (project_id, node_id, data_layer_id, label, fields, master_id,
          parent_id, origin, node_path, created_by)
        select ${node.project_id}, ${input.nodeId}, ${input.dataLayerId}, ${input.label},
          ${fields}::jsonb, p.master_id, p.id, 'job', p.node_path, ${input.createdBy}
        from packages p where p.id = ${input.parentId}
        returning *`.execute(trx)
    ).rows[0];
  }
  if (!pkg) throw badRequest("parentId", "no such package");

  if (input.files.length > 0) {
    await trx
      .insertInto("package_files")
      .values(
        input.files.map((f) => ({
          package_id: pkg.id,
          name: f.name,
          blob_hash: f.blobHash,
          type: f.type,
          is_executable: f.isExecutable,
          size: f.size,
        })),
      )
      .execute();
  }
  // the lineage's cached search answers go on every API process when this commits
  await lineagesChanged(trx, [pkg.master_id]);
  if (input.origin === "external") await onPackageArrived(trx, pkg, { id: input.nodeId, kind: node.kind });
  // a package arriving at a compute node is its job's input: only the job's outputs go on
  if (input.origin === "external" && node.kind === "compute")
    return { package: pkg, pushed: [], skipped: [] };
  return { package: pkg, ...(await propagate(trx, pkg, lineage + 1, input.files.length > 0)) };
}

async function countLineage(trx: Transaction<Database>, masterId: number): Promise<number> {
  const r = await trx
    .selectFrom("packages")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("master_id", "=", masterId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

type LinkRow = {
  id: number;
  from_node_id: number;
  to_node_id: number;
  label_filter: string | null;
  filter_error: string | null;
  kind: "data" | "compute";
};

/**
 * Every push link a package starting at `nodeId` can travel, by source node, in one round trip:
 * the links out of the node and, recursively, out of the data nodes they reach (a compute node
 * consumes what arrives; its job's outputs start their own propagation).
 */
async function reachableLinks(trx: Transaction<Database>, nodeId: number): Promise<Map<number, LinkRow[]>> {
  const { rows } = await sql<LinkRow>`${prepared("reachable_links")}
    with recursive reach(node_id) as (
      select ${nodeId}::int
      union
      select l.to_node_id from links l join nodes n on n.id = l.to_node_id and n.kind = 'data'
      join reach r on l.from_node_id = r.node_id
    )
    select l.id, l.from_node_id, l.to_node_id, l.label_filter, l.filter_error, n.kind
    from links l join nodes n on n.id = l.to_node_id
    where l.from_node_id in (select node_id from reach)
    order by l.id`.execute(trx);
  const byNode = new Map<number, LinkRow[]>();
  for (const row of rows) {
    const list = byNode.get(row.from_node_id);
    if (list) list.push(row);
    else byNode.set(row.from_node_id, [row]);
  }
  return byNode;
}

/** Breadth-first copies of `start` along push links; see insertPackage. */
async function propagate(
  trx: Transaction<Database>,
  start: PackageRow,
  lineageSize: number,
  hasFiles: boolean,
): Promise<Omit<InsertResult, "package">> {
  const pushed: PackageRow[] = [];
  const skipped: PushSkip[] = [];
  let descendants = lineageSize;
  const linksFrom = await reachableLinks(trx, start.node_id);
  const queue = [start];
  for (let src = queue.shift(); src; src = queue.shift()) {
    for (const link of linksFrom.get(src.node_id) ?? []) {
      const skip = (reason: PushSkip["reason"]) =>
        skipped.push({ linkId: link.id, fromPackageId: src!.id, reason });
      // the lineage already passed through the target: this is a cycle
      if (src.node_path.includes(link.to_node_id)) continue;
      if (src.node_path.length >= MAX_DEPTH) {
        skip("depth");
        continue;
      }
      if (descendants >= MAX_DESCENDANTS) {
        skip("descendants");
        continue;
      }
      if (link.label_filter !== null) {
        const m = await matchLabelFilter(trx, link.label_filter, src.label);
        if (!m.ok || link.filter_error !== null) {
          await trx
            .updateTable("links")
            .set({ filter_error: m.ok ? null : m.message })
            .where("id", "=", link.id)
            .execute();
        }
        if (!m.ok) {
          skip("filter_error");
          continue;
        }
        if (!m.match) continue;
      }
      // packages_push_once: a target holds at most one copy per source package
      const copy = (
        await sql<PackageRow>`${prepared("insert_pushed_copy")}
          insert into packages (project_id, node_id, data_layer_id, label, fields, master_id,
            parent_id, origin, node_path, created_by)
          select s.project_id, ${link.to_node_id}, s.data_layer_id, s.label, s.fields, s.master_id,
            s.id, 'push', s.node_path || ${link.to_node_id}::int, s.created_by
          from packages s where s.id = ${src.id}
          on conflict (node_id, data_layer_id, parent_id) where origin = 'push' do nothing
          returning *`.execute(trx)
      ).rows[0];
      if (!copy) continue;
      // files are shared by reference: the blob rows are not copied (copies share the start's files)
      if (hasFiles)
        await sql`
        insert into package_files (package_id, name, blob_hash, type, is_executable, size)
        select ${copy.id}, name, blob_hash, type, is_executable, size
        from package_files where package_id = ${src.id}`.execute(trx);
      descendants++;
      pushed.push(copy);
      // a copy in a compute node is consumed by its job (whose outputs are pushed on), not passed
      // through: a service's output node must hold results, not the inputs (SPEC §3.7)
      if (link.kind === "data") queue.push(copy);
      await onPackageArrived(trx, copy, { id: link.to_node_id, kind: link.kind });
    }
  }
  return { pushed, skipped };
}
