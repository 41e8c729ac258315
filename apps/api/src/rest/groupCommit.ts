import { packages } from "@keyflow/core";
import type { Db } from "@keyflow/db";
import { Batcher, type BatcherOptions } from "./batcher";

/**
 * Group commit of package creations (issue 8): the packages that arrive while an earlier batch is
 * being written are written together, in one statement and one commit
 * (`packages.insertExternalBatch`); each request is answered after its own batch committed. A
 * package the batch hands back (null: its walk needs the general path, or the batch failed) goes
 * the general way on its own.
 */
export class GroupCommit
  extends Batcher<packages.ExternalPackage, packages.PackageRow>
  implements packages.PackageWriter
{
  constructor(db: Db, opts?: BatcherOptions) {
    super((batch) => packages.insertExternalBatch(db, batch), opts);
  }

  write(pkg: packages.ExternalPackage): Promise<packages.PackageRow | null> {
    return this.submit(pkg);
  }
}
