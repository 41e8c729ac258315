import type { Db } from "@keyflow/db";
import { type Access, loadAccess } from "./access";
import { CoreError, notFound } from "./errors";
import type { Principal } from "./principal";

/**
 * Access to the project holding an object (link, layer, package…). An invisible project answers
 * "<what> not found", exactly like a missing object, so existence never leaks; a signed-out
 * visitor still gets UNAUTHORIZED so clients know to authenticate.
 */
export async function loadAccessAs(
  db: Db,
  principal: Principal,
  projectId: number,
  what: string,
): Promise<Access> {
  try {
    return await loadAccess(db, principal, projectId);
  } catch (e) {
    if (e instanceof CoreError && e.code === "NOT_FOUND") throw notFound(what);
    throw e;
  }
}
