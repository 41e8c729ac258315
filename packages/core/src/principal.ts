import type { NodePermission, ProjectPermission } from "@keyflow/schemas";
import { CoreError } from "./errors";

/** Who is calling. API keys only reach the REST data plane (SPEC §2). */
export type Principal =
  | { kind: "anonymous" }
  | { kind: "user"; userId: number }
  | {
      kind: "apiKey";
      keyId: number;
      userId: number;
      projectId: number;
      roleId: number;
      /** The holder's personal layer in the key's project: the only one a key sees by default. */
      dataLayerId: number;
      allowSharedLayers: boolean;
      /** Permissions computed earlier and cached by the API (invalidated with the key); saves a lookup. */
      grants?: Grants;
      /** Rows of the key's project cached by the API (invalidated with the key); saves lookups. */
      facts?: DataPlaneFacts;
    };

/**
 * Rows the data-plane checks read, from a cache kept true by the same invalidation as the key's
 * (`keysChanged` on a node or layer deleted or changed). Only facts: core still decides.
 */
export interface DataPlaneFacts {
  /** The node, or undefined when there is none. */
  node(
    nodeId: number,
  ): Promise<{ id: number; project_id: number; kind: "data" | "compute"; name: string } | undefined>;
  /** The data layer, or undefined when there is none. */
  layer(dataLayerId: number): Promise<
    | {
        id: number;
        project_id: number;
        name: string;
        kind: "shared" | "personal";
        owner_id: number | null;
        created_at: Date;
      }
    | undefined
  >;
  /** The data layer when it is in memory now (no promise), else undefined: then ask `layer`. */
  layerInMemory?(dataLayerId: number): Awaited<ReturnType<DataPlaneFacts["layer"]>>;
}

/** A principal's effective permissions in one project, as computed by `resolveAccess`. */
export interface Grants {
  project: ReadonlySet<ProjectPermission>;
  nodes: ReadonlyMap<number, ReadonlySet<NodePermission>>;
  isMember: boolean;
}

export const anonymous: Principal = { kind: "anonymous" };
export const userPrincipal = (userId: number): Principal => ({ kind: "user", userId });

/** The user id behind a principal, if any. */
export function principalUserId(p: Principal): number | null {
  return p.kind === "anonymous" ? null : p.userId;
}

/** The signed-in user's id; UNAUTHORIZED for anyone else (API keys never reach account actions). */
export function requireUser(principal: Principal): number {
  if (principal.kind !== "user") throw new CoreError("UNAUTHORIZED", "Sign in required");
  return principal.userId;
}
