import { type Db, prepared, sql } from "@keyflow/db";
import { insertUsageBlocks } from "../usage/blocks";
import { toUsageColumns, type UsageEvent, usageEventRows } from "../usage/columns";
import { MAX_DEPTH, type PackageRow } from "./propagate";

/** A package created from outside whose node and layer the caller checked (same project). */
export interface ExternalPackage {
  projectId: number;
  nodeId: number;
  dataLayerId: number;
  label: string;
  fields: Record<string, unknown>;
  createdBy: number | null;
  /** the key's usage event, committed with the package */
  usage?: UsageEvent;
}

/** Writes external packages, or answers null for one that needs {@link insertPackage}'s general path. */
export interface PackageWriter {
  write(pkg: ExternalPackage): Promise<PackageRow | null>;
}

/**
 * Copies one package of a batch may make on the fast path; a lineage that reaches further (a
 * broadcast to many nodes) takes the general path, which also enforces MAX_DESCENDANTS.
 */
export const FAST_PATH_COPIES = 32;

/**
 * Inserts external packages, their propagation and their usage events in ONE statement: one round
 * trip and one commit for the whole batch (group commit, see apps/api's GroupCommit).
 *
 * The fast path covers what most writes are: propagation along push links without a label filter,
 * through data nodes only, within MAX_DEPTH. It is insertPackage's breadth-first walk for that
 * case, computed by a recursive query (the same tree: a copy per path, none into a node the path
 * already passed, a compute node ending the path). A package whose walk meets a label filter
 * (a regex under a timeout), a compute node (a job to queue), the depth bound or more than
 * FAST_PATH_COPIES copies is not written here: its entry is null and the caller takes the general
 * path for it. Every lineage it writes is new (its master is written with its copies), so it
 * announces none (lineageChanges). The statement is all or nothing: a failure (a node deleted meanwhile) writes nothing
 * of the batch and is thrown, and the caller retries each package on its own.
 */
export async function insertExternalBatch(db: Db, batch: ExternalPackage[]): Promise<(PackageRow | null)[]> {
  if (batch.length === 0) return [];
  const col = <T>(f: (p: ExternalPackage) => T) => batch.map(f);
  // the packages that carry a usage event, with their 1-based position in the batch
  const metered = batch.flatMap((p, i) => (p.usage ? [{ event: p.usage, ord: i + 1 }] : []));
  const usage = toUsageColumns(metered.map((m) => m.event));
  const { rows } = await sql<PackageRow & { ord: number }>`${prepared("insert_external_batch")}
    with recursive
    item as (
      select * from unnest(${col((p) => p.projectId)}::int[], ${col((p) => p.nodeId)}::int[],
        ${col((p) => p.dataLayerId)}::int[], ${col((p) => p.label)}::text[],
        ${col((p) => JSON.stringify(p.fields))}::jsonb[], ${col((p) => p.createdBy)}::int[])
      with ordinality as i(project_id, node_id, data_layer_id, label, fields, created_by, ord)
    ),
    -- a master's id is taken first: it is its own master_id
    root as (select nextval('packages_id_seq')::int as id, item.* from item),
    tree(ord, id, parent_id, node_id, node_path, kind, filtered) as (
      select r.ord, r.id, null::int, r.node_id, array[r.node_id], n.kind, false
      from root r join nodes n on n.id = r.node_id
      union all
      select t.ord, nextval('packages_id_seq')::int, t.id, l.to_node_id,
        t.node_path || l.to_node_id, n.kind, l.label_filter is not null
      from tree t join links l on l.from_node_id = t.node_id join nodes n on n.id = l.to_node_id
      where t.kind = 'data' and not t.filtered and cardinality(t.node_path) < ${MAX_DEPTH}
        and l.to_node_id <> all(t.node_path)
    ),
    -- evaluated lazily: a walk that would grow beyond the bound stops there
    walk as (select * from tree limit ${batch.length * (FAST_PATH_COPIES + 1) + 1}),
    fast as (
      select ord from walk group by ord
      having bool_and(kind = 'data' and not filtered)
        and max(cardinality(node_path)) < ${MAX_DEPTH} and count(*) <= ${FAST_PATH_COPIES + 1}
        and (select count(*) from walk) <= ${batch.length * (FAST_PATH_COPIES + 1)}
    ),
    written as (
      insert into packages (id, project_id, node_id, data_layer_id, label, fields, master_id,
        parent_id, origin, node_path, created_by)
      select w.id, i.project_id, w.node_id, i.data_layer_id, i.label, i.fields, r.id, w.parent_id,
        case when w.parent_id is null then 'external' else 'push' end, w.node_path, i.created_by
      from walk w join item i using (ord) join root r using (ord)
      where w.ord in (select ord from fast)
      returning *
    ),
    used as (
      ${insertUsageBlocks(
        usageEventRows(
          usage,
          metered.map((m) => m.ord),
        ),
        sql`where u.ord in (select ord from fast)`,
      )}
    )
    select w.*, r.ord from written w join root r on r.id = w.id`.execute(db);
  const byOrd = new Map(rows.map(({ ord, ...row }) => [Number(ord), row]));
  return batch.map((_, i) => byOrd.get(i + 1) ?? null);
}
