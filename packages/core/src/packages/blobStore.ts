import { createHash } from "node:crypto";
import { type Database, type Db, sql, type Transaction } from "@keyflow/db";
import { isTransaction, withSavepoint } from "../savepoint";

/**
 * Content-addressed storage of package file bytes (SHA-256 hex). PostgreSQL by default; an
 * S3-compatible store can implement the same interface (the `blobs` row then only needs the
 * metadata, since `package_files` references it for reference counting).
 */
export interface BlobStore {
  /** Stores the bytes (once per content) and returns their SHA-256 hex. */
  put(bytes: Uint8Array): Promise<string>;
  get(hash: string): Promise<Buffer | null>;
  /** Size in bytes of a stored blob, or null when it is not stored. */
  size(hash: string): Promise<number | null>;
  /** Deletes those of the given blobs that no package file references any more. */
  release(hashes: readonly string[]): Promise<void>;
}

export const sha256Hex = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

/** The PostgreSQL store on the `blobs` table; pass a transaction to make puts part of it. */
export function pgBlobStore(db: Db): BlobStore {
  return {
    async put(bytes) {
      const hash = sha256Hex(bytes);
      // an existing row is locked (key share) so a concurrent release cannot delete it before our
      // reference commits; a new one is inserted, racing inserts of the same content are harmless
      const existing = await db
        .selectFrom("blobs")
        .select("hash")
        .where("hash", "=", hash)
        .forKeyShare()
        .executeTakeFirst();
      if (!existing) {
        await db
          .insertInto("blobs")
          .values({ hash, content: Buffer.from(bytes), size: bytes.byteLength })
          .onConflict((oc) => oc.column("hash").doNothing())
          .execute();
      }
      return hash;
    },

    async get(hash) {
      const row = await db.selectFrom("blobs").select("content").where("hash", "=", hash).executeTakeFirst();
      return row?.content ?? null;
    },

    async size(hash) {
      const row = await db.selectFrom("blobs").select("size").where("hash", "=", hash).executeTakeFirst();
      return row ? Number(row.size) : null;
    },

    async release(hashes) {
      if (hashes.length === 0) return;
      // a package committing a new reference meanwhile makes the delete fail (foreign key): the
      // blob is in use again, so keeping it is right and the caller's transaction must go on
      const sweep = (trx: Transaction<Database>) =>
        withSavepoint(trx, (sp) =>
          sql`delete from blobs b where b.hash = any(${[...hashes]}::text[])
              and not exists (select 1 from package_files f where f.blob_hash = b.hash)`.execute(sp),
        );
      await (isTransaction(db) ? sweep(db) : db.transaction().execute(sweep));
    },
  };
}

/** The blobs referenced by packages matching `where`, collected before a cascading delete. */
export async function blobsOfPackages(
  db: Db,
  where: { nodeId: number } | { dataLayerId: number },
): Promise<string[]> {
  let q = db
    .selectFrom("package_files as f")
    .innerJoin("packages as p", "p.id", "f.package_id")
    .select("f.blob_hash")
    .distinct();
  q =
    "nodeId" in where
      ? q.where("p.node_id", "=", where.nodeId)
      : q.where("p.data_layer_id", "=", where.dataLayerId);
  return (await q.execute()).map((r) => r.blob_hash);
}
