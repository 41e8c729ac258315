import { Kysely, PostgresDialect, type RawBuilder, sql } from "kysely";
import pg from "pg";
import type { Database } from "./schema";

// COUNT(*) and other int8 results fit comfortably in a JS number here.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

export type Db = Kysely<Database>;

/** A statement whose text starts with `/* prepared:<name> *\/` is prepared once per connection. */
const PREPARED = /^\/\* prepared:([\w-]+) \*\//;

/** The marker of {@link PREPARED}, first in a hot statement of fixed text: `sql\`${prepared("name")} select …\``. */
export const prepared = (name: string): RawBuilder<unknown> => sql.raw(`/* prepared:${name} */`);

const query = pg.Client.prototype.query as (this: pg.Client, ...args: unknown[]) => unknown;

/**
 * Kysely sends every statement unnamed, so PostgreSQL parses and plans it on each call. The hot
 * statements of the data plane (a search, a batch of packages) carry a marker instead and run as
 * named statements: parsed once per connection, and after five calls planned once too. Only
 * statements of fixed text may carry one (the name is bound to the first text it was used with).
 */
class PreparingClient extends pg.Client {
  // pg's overloads cannot be restated here: this names marked statements and passes everything on
  override query(...args: unknown[]): never {
    const [text, values] = args;
    const name = typeof text === "string" && Array.isArray(values) ? PREPARED.exec(text)?.[1] : undefined;
    return query.apply(this, name ? [{ name, text, values }, ...args.slice(2)] : args) as never;
  }
}

/** A pg pool whose idle and checked-out clients never crash the process (e.g. 57P01 on shutdown). */
export function createPool(connectionString: string, options: pg.PoolConfig = {}): pg.Pool {
  const pool = new pg.Pool({ connectionString, max: 10, Client: PreparingClient, ...options });
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  return pool;
}

export function createDb(pool: pg.Pool): Db {
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
