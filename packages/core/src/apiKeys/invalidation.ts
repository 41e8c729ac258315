import { type Database, sql, type Transaction } from "@keyflow/db";

/** Which cached key verifications became stale. */
export type KeyScope = { keyIds: number[] } | { projectId: number } | { userId: number };

export const KEY_CHANNEL = "keyflow_api_keys";

type Listener = (scope: KeyScope) => void;
const listeners = new Set<Listener>();

/** In-process subscribers (the API's key cache) hear about changes made by this process at once. */
export function onKeysChanged(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Announces that keys changed: NOTIFY (delivered to every API process on commit, never on rollback)
 * plus, for this process, immediately. Call inside the transaction of the change.
 */
export async function keysChanged(trx: Transaction<Database>, scope: KeyScope): Promise<void> {
  await sql`select pg_notify(${KEY_CHANNEL}, ${JSON.stringify(scope)})`.execute(trx);
  for (const l of listeners) l(scope);
}
