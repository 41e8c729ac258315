import type { Db } from "@keyflow/db";

/**
 * Token hashes of the keys not revoked, created or rolled after `since` (all of them when null). The API
 * keeps them in memory to tell a real key from junk without a lookup per token (SPEC §7: junk
 * beyond the per-IP limit must not cost lookups, and must not lock real keys out either).
 */
export async function keyHashesSince(db: Db, since: Date | null): Promise<Buffer[]> {
  let query = db.selectFrom("api_keys").select("token_hash").where("revoked_at", "is", null);
  // a roll gives a key a new token hash (the previous one is known already, until its grace ends)
  if (since) query = query.where((eb) => eb.or([eb("created_at", ">", since), eb("rolled_at", ">", since)]));
  const rows = await query.execute();
  return rows.map((r) => r.token_hash);
}
