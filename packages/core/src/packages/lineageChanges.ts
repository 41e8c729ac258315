import { type Database, sql, type Transaction } from "@keyflow/db";

/**
 * Announces which lineages (master ids) a transaction added packages to, to every API process on
 * commit (never on rollback): their cached search answers are dropped, so the RnDFlow client's
 * poll by master_id is answered from memory until a result lands, whoever writes it (the general
 * path of insertPackage: a worker's job output, the UI, a REST write with files or a filter).
 *
 * Sent inside the writing transaction, so the announcement commits with the rows. PostgreSQL
 * serialises the commits of notifying transactions (it holds a lock through the WAL flush): the
 * API's fast path (insertExternalBatch) announces nothing, since each lineage it writes is new,
 * master and copies in one statement, and the API keeps no answer of a lineage whose master did
 * not exist yet (searchLineages' `masterExists`). Packages are deleted only with their node, layer
 * or project, whose checks run before any cached answer is read: deletions need no announcement.
 */
export const LINEAGE_CHANNEL = "keyflow_lineages";

/** A NOTIFY payload holds < 8000 bytes: a longer list is sent as `*`, every lineage. */
const PAYLOAD_MAX = 7_000;

/** The payload naming these lineages. */
export function lineagePayload(masterIds: number[]): string {
  const list = [...new Set(masterIds)].join(",");
  return list.length > PAYLOAD_MAX ? "*" : list;
}

/** The lineages a payload names; "all" for `*` or a payload that is not a list of ids. */
export function changedLineages(payload: string): number[] | "all" {
  if (payload === "*") return "all";
  const ids = payload.split(",").map(Number);
  return ids.every((n) => Number.isSafeInteger(n) && n > 0) ? ids : "all";
}

/** Call inside the transaction that wrote packages of these lineages. */
export async function lineagesChanged(trx: Transaction<Database>, masterIds: number[]): Promise<void> {
  if (masterIds.length === 0) return;
  await sql`select pg_notify(${LINEAGE_CHANNEL}, ${lineagePayload(masterIds)})`.execute(trx);
}
