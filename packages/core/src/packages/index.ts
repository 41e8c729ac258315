import { type Database, type Db, prepared, sql, type Transaction } from "@keyflow/db";
import { createPackageInput, packageIdInput, searchPackagesInput } from "@keyflow/schemas";
import type { z } from "zod";
import { loadAccess, loadNodeAccess, loadNodeInProject } from "../access";
import { requireLayer } from "../dataLayers";
import { badRequest, isForeignKeyViolation, notFound } from "../errors";
import { type Principal, principalUserId } from "../principal";
import { recordUsage, type UsageEvent } from "../usage";
import { parse } from "../validate";
import type { PackageWriter } from "./batch";
import { insertPackage, type PackageFileRef, type PackageRow } from "./propagate";
import type { LineageReader, LineageRow } from "./searchBatch";

export { type ExternalPackage, FAST_PATH_COPIES, insertExternalBatch, type PackageWriter } from "./batch";
export { type BlobStore, pgBlobStore, sha256Hex } from "./blobStore";
export { changedLineages, LINEAGE_CHANNEL, lineagePayload } from "./lineageChanges";
export {
  type InsertResult,
  insertPackage,
  MAX_DEPTH,
  MAX_DESCENDANTS,
  matchLabelFilter,
  type NewPackage,
  onPackageArrived,
  type PackageRow,
} from "./propagate";
export {
  type LineagePage,
  type LineageQuery,
  type LineageReader,
  type LineageRow,
  searchLineages,
} from "./searchBatch";

/** The package JSON of the RnDFlow client, used by tRPC and REST alike (SPEC §5). */
export interface PackageJson {
  id: number;
  label: string;
  fields: { name: string; value: unknown }[];
  master_id: number;
  parent_id: number | null;
  node_id: number;
  data_layer_id: number;
  created_at: Date;
}

export function serializePackage(p: PackageRow): PackageJson {
  return {
    id: p.id,
    label: p.label,
    fields: Object.entries(p.fields).map(([name, value]) => ({ name, value })),
    master_id: p.master_id,
    parent_id: p.parent_id,
    node_id: p.node_id,
    data_layer_id: p.data_layer_id,
    created_at: p.created_at,
  };
}

/**
 * Files named by content hash must be stored already; they are locked (key share) so a blob
 * cleanup cannot remove them before the package commits.
 */
async function resolveFiles(
  trx: Transaction<Database>,
  files: z.output<typeof createPackageInput>["files"] = [],
): Promise<PackageFileRef[]> {
  if (files.length === 0) return [];
  const seen = new Set<string>();
  files.forEach((f, i) => {
    if (seen.has(f.name)) throw badRequest(`files.${i}.name`, "is used twice in this package");
    seen.add(f.name);
  });
  const blobs = await trx
    .selectFrom("blobs")
    .select(["hash", "size"])
    .where(
      "hash",
      "in",
      files.map((f) => f.contentHash),
    )
    .forKeyShare()
    .execute();
  return files.map((f, i) => {
    const blob = blobs.find((b) => b.hash === f.contentHash);
    if (!blob) throw badRequest(`files.${i}.contentHash`, "no uploaded object has this hash");
    return {
      name: f.name,
      blobHash: f.contentHash,
      type: f.type ?? "file",
      isExecutable: f.isExecutable ?? false,
      size: Number(blob.size),
    };
  });
}

/** A node's access: under the project a REST path names (checked first), else the node's own project's. */
function nodeAccess(db: Db, principal: Principal, nodeId: number, projectId: number | undefined) {
  return projectId === undefined
    ? loadNodeAccess(db, principal, nodeId)
    : loadNodeInProject(db, principal, projectId, nodeId);
}

/** A package created from outside (UI, REST): its own master, pushed along the node's links. */
export async function createPackage(
  db: Db,
  principal: Principal,
  input: z.input<typeof createPackageInput>,
  opts: {
    /** a key's usage event, committed with the package (an acknowledged write never loses its usage) */
    usage?: (status: number) => UsageEvent;
    /** the fast path for a package without files (the API's group commit); null from it: the general one */
    writer?: PackageWriter;
  } = {},
): Promise<PackageJson> {
  const data = parse(createPackageInput, input);
  const { access, node } = await nodeAccess(db, principal, data.nodeId, data.projectId);
  access.requireOnNode("package_create", node.id);
  const layer = await requireLayer(db, access, data.dataLayerId, "write");
  // node and layer are checked (from the key's cache on the data plane): no need to read them again
  const known = layer.project_id === node.project_id ? node : undefined;
  if (opts.writer && known && known.kind === "data" && !data.files?.length) {
    const written = await opts.writer.write({
      projectId: known.project_id,
      nodeId: node.id,
      dataLayerId: data.dataLayerId,
      label: data.label ?? "",
      fields: data.fields ?? {},
      createdBy: principalUserId(principal),
      usage: opts.usage?.(200),
    });
    if (written) return serializePackage(written);
  }
  return db
    .transaction()
    .execute(async (trx) => {
      const result = await insertPackage(
        trx,
        {
          origin: "external",
          nodeId: node.id,
          dataLayerId: data.dataLayerId,
          label: data.label ?? "",
          fields: data.fields ?? {},
          files: await resolveFiles(trx, data.files),
          createdBy: principalUserId(principal),
        },
        known,
      );
      if (opts.usage) await recordUsage(trx, [opts.usage(200)]);
      return serializePackage(result.package);
    })
    .catch((e) => {
      // the node or layer was deleted meanwhile (foreign key violation): as if it never existed
      if (isForeignKeyViolation(e)) throw notFound("Node or data layer");
      throw e;
    });
}

/** One page of a search, with the total of every page. */
export interface PackagePage {
  total: number;
  items: PackageJson[];
}

/**
 * The pages of a reader's answers. A kept answer (the API's LineageCache) is the same rows on every
 * poll, so its page is built once and the same page object is answered each time (callers do not
 * change it; the API also keeps its JSON text).
 */
const pagesOfRows = new WeakMap<LineageRow[], PackagePage>();

/** Packages of a node in a layer, newest first, optionally of one lineage (`masterId`). */
export async function searchPackages(
  db: Db,
  principal: Principal,
  input: z.input<typeof searchPackagesInput>,
  opts: {
    /** reads a lineage's page together with concurrent ones (the API's batcher); null from it: alone */
    reader?: LineageReader;
  } = {},
): Promise<PackagePage> {
  const data = parse(searchPackagesInput, input);
  const { access, node } = await nodeAccess(db, principal, data.nodeId, data.projectId);
  await requireLayer(db, access, data.dataLayerId, "read");
  access.requireOnNode("package_view", node.id);
  const page = data.page ?? 1;
  const pageSize = data.pageSize ?? 10;
  const masterId = data.masterId ?? null;
  const batched =
    opts.reader && masterId !== null
      ? await opts.reader.read({ nodeId: node.id, dataLayerId: data.dataLayerId, masterId, pageSize, page })
      : null;
  const built = batched && pagesOfRows.get(batched);
  if (built) return built;
  const rows =
    batched ?? (await searchStatement(node.id, data.dataLayerId, masterId, pageSize, page).execute(db)).rows;
  // a page past the end has no row to carry the total: only then is it counted apart (and not kept,
  // as the count may change)
  const counted = rows.length === 0 && page > 1;
  const total = counted
    ? (
        await sql<{ n: number }>`select count(*)::int as n from packages
          where ${packagesOf(node.id, data.dataLayerId, masterId)}`.execute(db)
      ).rows[0]!.n
    : (rows[0]?.total ?? 0);
  const result = { total: Number(total), items: rows.map(({ total: _, ...row }) => serializePackage(row)) };
  if (batched && !counted) pagesOfRows.set(batched, result);
  return result;
}

/** A node's packages in a layer, of one lineage if `masterId` is given. */
function packagesOf(nodeId: number, layerId: number, masterId: number | null) {
  const lineage = masterId === null ? sql`` : sql`and master_id = ${masterId}`;
  return sql`node_id = ${nodeId} and data_layer_id = ${layerId} ${lineage}`;
}

/**
 * One page and the total in one round trip (the window count is taken before LIMIT/OFFSET): a
 * prepared statement (one per shape), since the RnDFlow client polls it while it waits for every
 * result.
 */
function searchStatement(
  nodeId: number,
  layerId: number,
  masterId: number | null,
  pageSize: number,
  page: number,
) {
  const name = masterId === null ? "search_packages" : "search_packages_of_master";
  return sql<PackageRow & { total: number }>`${prepared(name)}
    select *, count(*) over () as total from packages where ${packagesOf(nodeId, layerId, masterId)}
    order by id desc limit ${pageSize} offset ${(page - 1) * pageSize}`;
}

/**
 * A package the caller may view: NOT_FOUND when it is missing, in an invisible project or in a
 * layer they may not read (another user's personal layer); FORBIDDEN without `package_view`.
 */
async function loadPackage(db: Db, principal: Principal, input: z.input<typeof packageIdInput>) {
  const { packageId, nodeId, projectId } = parse(packageIdInput, input);
  // under a REST path the project and the node are checked first, and the project's access serves
  // the package too (a package is in its node's project)
  const under =
    projectId !== undefined && nodeId !== undefined
      ? await loadNodeInProject(db, principal, projectId, nodeId)
      : null;
  const pkg = await db.selectFrom("packages").selectAll().where("id", "=", packageId).executeTakeFirst();
  if (!pkg || (nodeId !== undefined && pkg.node_id !== nodeId)) throw notFound("Package");
  const access = under?.access ?? (await loadAccess(db, principal, pkg.project_id, "Package"));
  await requireLayer(db, access, pkg.data_layer_id, "read", "Package");
  access.requireOnNode("package_view", pkg.node_id);
  return pkg;
}

export async function getPackage(
  db: Db,
  principal: Principal,
  input: z.input<typeof packageIdInput>,
): Promise<PackageJson> {
  return serializePackage(await loadPackage(db, principal, input));
}

export interface PackageFileView {
  name: string;
  contentHash: string;
  size: number;
  type: string;
  isExecutable: boolean;
}

/** File metadata only: bytes are served by hash (REST signs short-lived download URLs). */
export async function listPackageFiles(
  db: Db,
  principal: Principal,
  input: z.input<typeof packageIdInput>,
): Promise<PackageFileView[]> {
  const pkg = await loadPackage(db, principal, input);
  const rows = await db
    .selectFrom("package_files")
    .select(["name", "blob_hash", "size", "type", "is_executable"])
    .where("package_id", "=", pkg.id)
    .orderBy("name")
    .execute();
  return rows.map((r) => ({
    name: r.name,
    contentHash: r.blob_hash,
    size: Number(r.size),
    type: r.type,
    isExecutable: r.is_executable,
  }));
}
