import type { Db } from "@keyflow/db";
import type { Keyring } from "./keyring";

/**
 * Stores the master secret's check value on first start; afterwards refuses a different secret, which
 * would make every stored token and secret undecryptable (SPEC §11).
 */
export async function assertMasterSecret(db: Db, keyring: Keyring): Promise<void> {
  const value = keyring.checkValue();
  await db
    .insertInto("settings")
    .values({ key: "master_secret_check", value })
    .onConflict((oc) => oc.column("key").doNothing())
    .execute();
  const row = await db
    .selectFrom("settings")
    .select("value")
    .where("key", "=", "master_secret_check")
    .executeTakeFirstOrThrow();
  if (row.value !== value) {
    throw new Error("KEYFLOW_SECRET differs from the one this database was set up with; refusing to start");
  }
}
