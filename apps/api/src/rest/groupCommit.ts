import { packages } from "@keyflow/core";
import type { Db } from "@keyflow/db";

type Pending = {
  pkg: packages.ExternalPackage;
  resolve: (row: packages.PackageRow | null) => void;
};

/**
 * Group commit of package creations (issue 8): the packages that arrive while earlier batches are
 * being written are written together, in one statement and one commit
 * (`packages.insertExternalBatch`). A package alone waits for nothing: with a free slot it is
 * written at once, as a batch of one. Each request is answered after its own batch committed.
 * When a batch fails (one package's node was deleted meanwhile, the database went away), each of
 * its packages is handed back (null) and goes the general way on its own, so it gets its own
 * answer and one bad request never fails the others.
 */
export class GroupCommit implements packages.PackageWriter {
  private queue: Pending[] = [];
  private inFlight = 0;
  private drained: (() => void) | null = null;

  constructor(
    private readonly db: Db,
    /**
     * Batches written at once (each on its own pooled connection), and packages per batch. One
     * batch at a time: on the 2-core bench machine a second slot halved the batches and each batch
     * costs ≈ 1 ms of API and PostgreSQL CPU whatever its size, so (c) fell from 3 050 to 2 850
     * req/s at 10 connections and from 6 380 to 5 710 at 64 (README, Benchmark).
     */
    private readonly opts = { slots: 1, maxBatch: 64 },
  ) {}

  write(pkg: packages.ExternalPackage): Promise<packages.PackageRow | null> {
    return new Promise((resolve) => {
      this.queue.push({ pkg, resolve });
      this.pump();
    });
  }

  private pump() {
    while (this.inFlight < this.opts.slots && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.opts.maxBatch);
      this.inFlight++;
      packages
        .insertExternalBatch(
          this.db,
          batch.map((p) => p.pkg),
        )
        .then(
          (rows) => {
            for (const [i, p] of batch.entries()) p.resolve(rows[i] ?? null);
          },
          () => {
            for (const p of batch) p.resolve(null);
          },
        )
        .finally(() => {
          this.inFlight--;
          if (this.inFlight === 0 && this.queue.length === 0) this.drained?.();
          this.pump();
        });
    }
  }

  /** Resolves when no batch is being written (on shutdown, after the server stopped accepting). */
  async close(): Promise<void> {
    if (this.inFlight === 0 && this.queue.length === 0) return;
    await new Promise<void>((resolve) => {
      this.drained = resolve;
    });
  }
}
