import { packages } from "@keyflow/core";
import type { Db } from "@keyflow/db";
import { Batcher } from "./batcher";

type Page = Awaited<ReturnType<typeof packages.searchLineages>>[number];

/**
 * Searches by `master_id` (the RnDFlow client polls one while it waits for each result) that
 * arrive while an earlier batch is being read are read together, in one statement
 * (`packages.searchLineages`). A batch that fails answers null to each search, which then asks
 * the database alone and gets its own answer (or its own error).
 */
export class LineageReads extends Batcher<packages.LineageQuery, Page> implements packages.LineageReader {
  constructor(db: Db, opts?: { slots: number; maxBatch: number }) {
    super((queries) => packages.searchLineages(db, queries), opts);
  }

  read(query: packages.LineageQuery): Promise<Page | null> {
    return this.submit(query);
  }
}
