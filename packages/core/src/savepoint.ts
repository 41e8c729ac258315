import { type Database, type Db, sql, type Transaction } from "@keyflow/db";

let counter = 0;

/** Narrows a handle to a transaction (Kysely's own flag), for code that also accepts the pool. */
export const isTransaction = (db: Db): db is Transaction<Database> => db.isTransaction;

/**
 * Runs `fn` inside a savepoint of the surrounding transaction. An error in `fn` (a bad regex, a
 * statement timeout, a lost race) then rolls back only the savepoint, so the transaction stays
 * usable. `keep: false` also undoes fn's effects on success, e.g. a `set local` it made.
 */
export async function withSavepoint<T>(
  trx: Transaction<Database>,
  fn: (sp: Transaction<Database>) => Promise<T>,
  opts: { keep?: boolean } = {},
): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  const name = sql.raw(`kf_sp_${++counter}`);
  await sql`savepoint ${name}`.execute(trx);
  try {
    const value = await fn(trx);
    if (opts.keep === false) await sql`rollback to savepoint ${name}`.execute(trx);
    await sql`release savepoint ${name}`.execute(trx);
    return { ok: true, value };
  } catch (error) {
    await sql`rollback to savepoint ${name}`.execute(trx);
    await sql`release savepoint ${name}`.execute(trx);
    return { ok: false, error };
  }
}
