import { type Db, prepared, sql } from "@keyflow/db";
import type { PackageRow } from "./propagate";

/** One page of a lineage's packages in a node and layer (the RnDFlow client's poll for a result). */
export interface LineageQuery {
  nodeId: number;
  dataLayerId: number;
  masterId: number;
  pageSize: number;
  page: number;
}

/** A package of a lineage's page, with the lineage's total. */
export type LineageRow = PackageRow & { total: number };

/** A page's rows (none past the end), or null: ask the database alone. */
export interface LineageReader {
  read(query: LineageQuery): Promise<LineageRow[] | null>;
}

/**
 * Pages of several lineage searches in ONE prepared statement, one round trip for all (the API
 * batches concurrent polls, see apps/api's Batcher): each query is the single search's statement
 * (`searchPackages`: newest first, the window count before LIMIT/OFFSET), run per query row by a
 * lateral join, all in one snapshot.
 */
export async function searchLineages(db: Db, queries: LineageQuery[]): Promise<LineageRow[][]> {
  if (queries.length === 0) return [];
  const col = (f: (q: LineageQuery) => number) => queries.map(f);
  const { rows } = await sql<LineageRow & { ord: number }>`${prepared("search_lineages")}
    select p.*, q.ord
    from unnest(${col((q) => q.nodeId)}::int[], ${col((q) => q.dataLayerId)}::int[],
      ${col((q) => q.masterId)}::int[], ${col((q) => q.pageSize)}::int[],
      ${col((q) => (q.page - 1) * q.pageSize)}::int[])
      with ordinality as q(node_id, data_layer_id, master_id, page_size, skip, ord)
    cross join lateral (
      select *, count(*) over () as total from packages
      where node_id = q.node_id and data_layer_id = q.data_layer_id and master_id = q.master_id
      order by id desc limit q.page_size offset q.skip
    ) p
    order by q.ord, p.id desc`.execute(db);
  const pages = queries.map((): LineageRow[] => []);
  for (const { ord, ...row } of rows) pages[Number(ord) - 1]!.push(row);
  return pages;
}
