import type { Db } from "@keyflow/db";
import type { Keyring } from "../crypto";
import { secretValuesForNode } from "../secrets";

export interface JobSecret {
  name: string;
  value: string;
}

/**
 * Used by the worker: the secrets granted to the node whose job is about to run, decrypted (never
 * log them). Without a keyring (a worker started without KEYFLOW_SECRET) that is null when the
 * node was granted any, since a job must never run silently without its secrets; throws when a
 * value cannot be decrypted with this keyring.
 */
export async function secretsForJob(
  db: Db,
  keyring: Keyring | undefined,
  nodeId: number,
): Promise<JobSecret[] | null> {
  if (keyring) return secretValuesForNode(db, keyring, nodeId);
  const granted = await db
    .selectFrom("secret_nodes")
    .select("secret_id")
    .where("node_id", "=", nodeId)
    .executeTakeFirst();
  return granted ? null : [];
}
