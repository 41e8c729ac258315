import type { Db } from "@keyflow/db";

/**
 * Token hashes of the keys not revoked, created after `since` (all of them when null). The API
 * keeps them in memory to tell a real key from junk without a lookup per token (SPEC §7: junk
 * beyond the per-IP limit must not cost lookups, and must not lock real keys out either).
 */
export async function keyHashesSince(db: Db, since: Date | null): Promise<Buffer[]> {
  let query = db.selectFrom("api_keys").select("token_hash").where("revoked_at", "is", null);
  if (since) query = query.where("created_at", ">", since);
  const rows = await query.execute();
  return rows.map((r) => r.token_hash);
}
