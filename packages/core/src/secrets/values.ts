import { type Db, sql } from "@keyflow/db";
import type { Keyring } from "../crypto";

/** Associated data binding an encrypted value to its row, so a value copied to another row fails to decrypt. */
export const secretAad = (secretId: number) => `secrets:${secretId}`;

export const encryptSecretValue = (keyring: Keyring, secretId: number, value: string) =>
  keyring.encrypt("secret_value", value, secretAad(secretId));

export const decryptSecretValue = (keyring: Keyring, row: { id: number; value_encrypted: string }) =>
  keyring.decrypt("secret_value", row.value_encrypted, secretAad(row.id));

/** Ids for `n` new secrets, taken before the insert because each value's associated data is its id. */
export async function nextSecretIds(db: Db, n: number): Promise<number[]> {
  const { rows } = await sql<{
    id: number;
  }>`select nextval('secrets_id_seq')::int as id from generate_series(1, ${n})`.execute(db);
  return rows.map((r) => r.id);
}

/**
 * Internal, for the job executor (no principal: the caller already runs the node's job): every
 * secret granted to the node, decrypted. Never log the result.
 */
export async function secretValuesForNode(
  db: Db,
  keyring: Keyring,
  nodeId: number,
): Promise<{ name: string; value: string }[]> {
  const rows = await db
    .selectFrom("secrets as s")
    .innerJoin("secret_nodes as sn", "sn.secret_id", "s.id")
    .select(["s.id", "s.name", "s.value_encrypted"])
    .where("sn.node_id", "=", nodeId)
    .orderBy(sql`lower(s.name)`)
    .execute();
  return rows.map((r) => {
    try {
      return { name: r.name, value: decryptSecretValue(keyring, r) };
    } catch {
      throw new Error(`Secret "${r.name}" (id ${r.id}) cannot be decrypted with this master secret`);
    }
  });
}
