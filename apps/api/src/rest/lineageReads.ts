import { packages } from "@keyflow/core";
import type { Db } from "@keyflow/db";
import { Batcher, type BatcherOptions } from "./batcher";

/**
 * Searches by `master_id` (the RnDFlow client polls one while it waits for each result) that
 * arrive while an earlier batch is being read are read together, in one statement
 * (`packages.searchLineages`). A batch that fails answers null to each search, which then asks
 * the database alone and gets its own answer (or its own error).
 */
export class LineageReads extends Batcher<packages.LineageQuery, packages.LineagePage> {
  constructor(db: Db, opts?: BatcherOptions) {
    super((queries) => packages.searchLineages(db, queries), opts);
  }

  read(query: packages.LineageQuery): Promise<packages.LineagePage | null> {
    return this.submit(query);
  }
}
