import { type Db, sql } from "@keyflow/db";
import {
  DATA_PLANE_PERMISSIONS,
  type NodePermission,
  type ProjectPermission,
  READ_PERMISSIONS,
} from "@keyflow/schemas";
import { forbidden, notFound, unauthorized } from "./errors";
import type { Principal } from "./principal";

/** The effective permissions of one principal in one project (SPEC §2). */
export class Access {
  constructor(
    readonly principal: Principal,
    readonly projectId: number,
    readonly project: ReadonlySet<ProjectPermission>,
    readonly nodes: ReadonlyMap<number, ReadonlySet<NodePermission>>,
    readonly isMember: boolean,
  ) {}

  has(permission: ProjectPermission): boolean {
    return this.project.has(permission);
  }

  /** A project-level grant covers every node. */
  hasOnNode(permission: NodePermission, nodeId: number): boolean {
    return this.project.has(permission) || (this.nodes.get(nodeId)?.has(permission) ?? false);
  }

  /** True when the permission is held on at least one node (or project-wide). */
  hasOnSomeNode(permission: NodePermission): boolean {
    if (this.project.has(permission)) return true;
    for (const perms of this.nodes.values()) if (perms.has(permission)) return true;
    return false;
  }

  require(permission: ProjectPermission): void {
    if (!this.has(permission)) throw this.denied(permission);
  }

  requireOnNode(permission: NodePermission, nodeId: number): void {
    if (!this.hasOnNode(permission, nodeId)) throw this.denied(permission);
  }

  private denied(permission: string) {
    return this.principal.kind === "anonymous"
      ? unauthorized()
      : forbidden(`Missing permission ${permission} in this project`);
  }
}

interface RoleRow {
  id: number;
  is_public: boolean;
  permissions: string[];
}

/**
 * Loads the caller's access to a project. A missing or deleted project, or one the caller may not
 * view, is NOT_FOUND (UNAUTHORIZED for a signed-out visitor, so clients know to authenticate).
 */
export async function loadAccess(
  db: Db,
  principal: Principal,
  projectId: number,
  /** What to call missing when the project is invisible: the object the caller asked for ("Node"). */
  what = "Project",
): Promise<Access> {
  return viewable(principal, await resolveAccess(db, principal, projectId), what);
}

/** The access when it lets the caller view the project, else what loadAccess throws. */
export function viewable(principal: Principal, access: Access | null, what = "Project"): Access {
  if (!access?.has("project_view")) {
    throw principal.kind === "anonymous" ? unauthorized() : notFound(what);
  }
  return access;
}

/**
 * An API key's access from the grants the API cached with it, without a query (null: the key is of
 * another project); undefined when the caller is no key or its grants are not cached.
 */
export function keyAccessFromMemory(principal: Principal, projectId: number): Access | null | undefined {
  if (principal.kind !== "apiKey") return undefined;
  if (principal.projectId !== projectId) return null;
  const g = principal.grants;
  return g ? new Access(principal, projectId, g.project, g.nodes, g.isMember) : undefined;
}

/** The caller's access to an existing project, even without `project_view`; null when there is no such project. */
export async function resolveAccess(db: Db, principal: Principal, projectId: number): Promise<Access | null> {
  const fromMemory = keyAccessFromMemory(principal, projectId);
  if (fromMemory !== undefined) return fromMemory;
  const userId = principal.kind === "user" ? principal.userId : null;
  const keyRoleId = principal.kind === "apiKey" ? principal.roleId : null;

  const rows = await sql<RoleRow & { member: boolean; project_exists: boolean }>`
    select r.id, r.is_public, r.permissions,
      exists (select 1 from members m where m.project_id = p.id and m.user_id = ${userId}) as member,
      true as project_exists
    from projects p
    left join roles r on r.project_id = p.id and (
      r.is_public
      or r.id = ${keyRoleId}
      or (${userId}::int is not null and r.id in (
        select role_id from member_roles where project_id = p.id and user_id = ${userId})))
    where p.id = ${projectId} and p.deleted_at is null`.execute(db);

  if (rows.rows.length === 0) return null;
  const roles = rows.rows.filter((r) => r.id !== null);
  const isMember = rows.rows[0]?.member ?? false;

  const project = new Set<ProjectPermission>();
  const nodes = new Map<number, Set<NodePermission>>();
  const allowed = (p: string): boolean => {
    if (principal.kind === "anonymous") return READ_PERMISSIONS.has(p as ProjectPermission);
    if (principal.kind === "apiKey") return DATA_PLANE_PERMISSIONS.has(p as ProjectPermission);
    return true;
  };
  for (const role of roles)
    for (const p of role.permissions) if (allowed(p)) project.add(p as ProjectPermission);

  if (roles.length > 0) {
    const nodeRows = await db
      .selectFrom("role_node_permissions")
      .select(["node_id", "permissions"])
      .where(
        "role_id",
        "in",
        roles.map((r) => r.id),
      )
      .execute();
    for (const row of nodeRows) {
      const set = nodes.get(row.node_id) ?? new Set<NodePermission>();
      for (const p of row.permissions) if (allowed(p)) set.add(p as NodePermission);
      nodes.set(row.node_id, set);
    }
  }

  return new Access(principal, projectId, project, nodes, isMember);
}

/** A node's row: from the API key's cached facts when it has them, else from the database. */
function nodeRow(db: Db, principal: Principal, nodeId: number) {
  if (principal.kind === "apiKey" && principal.facts) return principal.facts.node(nodeId);
  return db
    .selectFrom("nodes")
    .select(["id", "project_id", "kind", "name"])
    .where("id", "=", nodeId)
    .executeTakeFirst();
}

/** Access to the project holding a node; NOT_FOUND when the node does not exist or is not visible. */
export async function loadNodeAccess(
  db: Db,
  principal: Principal,
  nodeId: number,
): Promise<{
  access: Access;
  node: { id: number; project_id: number; kind: "data" | "compute"; name: string };
}> {
  const node = await nodeRow(db, principal, nodeId);
  if (!node) throw principal.kind === "anonymous" ? unauthorized() : notFound("Node");
  const access = await loadAccess(db, principal, node.project_id, "Node");
  return { access, node };
}

/**
 * A node addressed under a project, as REST paths do (`/projects/{p}/nodes/{n}`): the project's
 * visibility is checked first (404 Project, or 401 signed out), then that the node is in it.
 */
export async function loadNodeInProject(
  db: Db,
  principal: Principal,
  projectId: number,
  nodeId: number,
): Promise<{
  access: Access;
  node: { id: number; project_id: number; kind: "data" | "compute"; name: string };
}> {
  const access = await loadAccess(db, principal, projectId);
  const node = await nodeRow(db, principal, nodeId);
  if (node?.project_id !== projectId) throw notFound("Node");
  return { access, node };
}
