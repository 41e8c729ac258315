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

/** What {@link searchLineages} answers for one query. */
export interface LineagePage {
  rows: LineageRow[];
  /**
   * The lineage's master package existed when the page was read. A lineage that does not exist
   * yet gets its packages without any announcement (the API's fast path writes a new master and
   * its copies in one statement, see lineageChanges), so only its pages may be kept until the
   * next announcement.
   */
  masterExists: boolean;
}

/**
 * Pages of several lineage searches in ONE prepared statement, one round trip for all (the API
 * batches concurrent polls, see apps/api's Batcher): each query is the single search's statement
 * (`searchPackages`: newest first, the window count before LIMIT/OFFSET), run per query row by a
 * lateral join, all in one snapshot.
 */
export async function searchLineages(db: Db, queries: LineageQuery[]): Promise<LineagePage[]> {
  if (queries.length === 0) return [];
  const col = (f: (q: LineageQuery) => number) => queries.map(f);
  // a left join: an empty page is one row of nulls, which still carries master_exists
  const { rows } = await sql<
    (LineageRow | { [K in keyof LineageRow]: null }) & { ord: number; master_exists: boolean }
  >`${prepared("search_lineages")}
    select p.*, q.ord, e.master_exists
    from unnest(${col((q) => q.nodeId)}::int[], ${col((q) => q.dataLayerId)}::int[],
      ${col((q) => q.masterId)}::int[], ${col((q) => q.pageSize)}::int[],
      ${col((q) => (q.page - 1) * q.pageSize)}::int[])
      with ordinality as q(node_id, data_layer_id, master_id, page_size, skip, ord)
    cross join lateral (select exists (select from packages m where m.id = q.master_id) as master_exists) e
    left join lateral (
      select *, count(*) over () as total from packages
      where node_id = q.node_id and data_layer_id = q.data_layer_id and master_id = q.master_id
      order by id desc limit q.page_size offset q.skip
    ) p on true
    order by q.ord, p.id desc`.execute(db);
  const pages = queries.map((): LineagePage => ({ rows: [], masterExists: false }));
  for (const { ord, master_exists, ...row } of rows) {
    const page = pages[Number(ord) - 1]!;
    page.masterExists = master_exists;
    if (row.id !== null) page.rows.push(row as LineageRow);
  }
  return pages;
}
