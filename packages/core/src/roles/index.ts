import type { Database, Db, Transaction } from "@keyflow/db";
import {
  createRoleInput,
  projectIdInput,
  roleIdInput,
  type rolePermissionsSchema,
  updateRoleInput,
} from "@keyflow/schemas";
import type { z } from "zod";
import { loadAccess } from "../access";
import { keysChanged } from "../apiKeys/invalidation";
import { assertTemplateRoles, templatesUsingRole } from "../apiKeys/templateRule";
import { recordAudit } from "../audit";
import {
  badRequest,
  conflict,
  forbidden,
  isForeignKeyViolation,
  isUniqueViolation,
  missingReference,
  notFound,
} from "../errors";
import { type Principal, requireUser } from "../principal";
import { parse } from "../validate";

type RolePermissions = z.output<typeof rolePermissionsSchema>;

export interface RoleView {
  id: number;
  name: string;
  description: string;
  isOwner: boolean;
  isPublic: boolean;
  permissions: { project: string[]; nodes: Record<string, string[]> };
}

export async function listRoles(
  db: Db,
  principal: Principal,
  input: z.input<typeof projectIdInput>,
): Promise<RoleView[]> {
  const { projectId } = parse(projectIdInput, input);
  (await loadAccess(db, principal, projectId)).require("project_manage");
  return rolesOfProject(db, projectId);
}

async function rolesOfProject(db: Db, projectId: number, roleId?: number): Promise<RoleView[]> {
  let q = db
    .selectFrom("roles")
    .select(["id", "name", "description", "is_owner", "is_public", "permissions"])
    .where("project_id", "=", projectId);
  if (roleId !== undefined) q = q.where("id", "=", roleId);
  const roles = await q.orderBy("is_owner", "desc").orderBy("id").execute();
  if (roles.length === 0) return [];
  const nodePerms = await db
    .selectFrom("role_node_permissions")
    .select(["role_id", "node_id", "permissions"])
    .where(
      "role_id",
      "in",
      roles.map((r) => r.id),
    )
    .execute();
  return roles.map((r) => ({
    id: r.id,
    name: r.name,
    description: r.description,
    isOwner: r.is_owner,
    isPublic: r.is_public,
    permissions: {
      project: r.permissions,
      nodes: Object.fromEntries(
        nodePerms.filter((n) => n.role_id === r.id).map((n) => [String(n.node_id), n.permissions]),
      ),
    },
  }));
}

/** Node permissions may only name nodes of the role's project. */
async function writeNodePermissions(
  trx: Transaction<Database>,
  projectId: number,
  roleId: number,
  nodes: RolePermissions["nodes"],
) {
  const entries = Object.entries(nodes)
    .map(([nodeId, perms]): [number, string[]] => [Number(nodeId), [...new Set(perms)]])
    .filter(([, perms]) => perms.length > 0);
  if (entries.length > 0) {
    const found = await trx
      .selectFrom("nodes")
      .select("id")
      .where("project_id", "=", projectId)
      .where(
        "id",
        "in",
        entries.map(([n]) => n),
      )
      .execute();
    const missing = entries.map(([n]) => n).filter((n) => !found.some((f) => f.id === n));
    if (missing.length > 0)
      throw badRequest("permissions.nodes", `no node ${missing.join(", ")} in this project`);
  }
  await trx.deleteFrom("role_node_permissions").where("role_id", "=", roleId).execute();
  if (entries.length > 0) {
    await trx
      .insertInto("role_node_permissions")
      .values(entries.map(([node_id, permissions]) => ({ role_id: roleId, node_id, permissions })))
      .execute();
  }
}

function roleWriteFailed(e: unknown): never {
  if (isUniqueViolation(e, "roles_name_key"))
    throw conflict("A role with this name already exists in the project");
  if (isUniqueViolation(e, "roles_one_public")) throw conflict("The project already has a public role");
  // a node or the role deleted after they were checked: as if they had never been there
  if (isForeignKeyViolation(e, "role_node_permissions_node_id_fkey")) {
    const id = missingReference(e, "node_id");
    throw badRequest(
      "permissions.nodes",
      id !== null ? `no node ${id} in this project` : "a node is not in this project",
    );
  }
  if (isForeignKeyViolation(e, "role_node_permissions_role_id_fkey")) throw notFound("Role");
  throw e;
}

export async function createRole(
  db: Db,
  principal: Principal,
  input: z.input<typeof createRoleInput>,
): Promise<RoleView> {
  const data = parse(createRoleInput, input);
  const actorId = requireUser(principal);
  (await loadAccess(db, principal, data.projectId)).require("project_manage");
  const roleId = await db
    .transaction()
    .execute(async (trx) => {
      const role = await trx
        .insertInto("roles")
        .values({
          project_id: data.projectId,
          name: data.name,
          description: data.description ?? "",
          is_public: data.isPublic ?? false,
          permissions: [...new Set(data.permissions.project)],
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      await writeNodePermissions(trx, data.projectId, role.id, data.permissions.nodes);
      await recordAudit(trx, {
        projectId: data.projectId,
        actorId,
        action: "role.create",
        target: data.name,
        details: { permissions: data.permissions, isPublic: data.isPublic ?? false },
      });
      return role.id;
    })
    .catch(roleWriteFailed);
  return (await rolesOfProject(db, data.projectId, roleId))[0]!;
}

/** The role and the caller's management right over it; the owner role is never editable. */
async function manageableRole(db: Db, principal: Principal, roleId: number) {
  const role = await db
    .selectFrom("roles")
    .select(["id", "project_id", "name", "is_owner"])
    .where("id", "=", roleId)
    .executeTakeFirst();
  if (!role) throw notFound("Role");
  (await loadAccess(db, principal, role.project_id, "Role")).require("project_manage");
  if (role.is_owner) throw forbidden("The owner role cannot be edited or deleted");
  return role;
}

export async function updateRole(
  db: Db,
  principal: Principal,
  input: z.input<typeof updateRoleInput>,
): Promise<RoleView> {
  const data = parse(updateRoleInput, input);
  const actorId = requireUser(principal);
  const role = await manageableRole(db, principal, data.roleId);
  const changes = {
    ...(data.name !== undefined && { name: data.name }),
    ...(data.description !== undefined && { description: data.description }),
    ...(data.isPublic !== undefined && { is_public: data.isPublic }),
    ...(data.permissions && { permissions: [...new Set(data.permissions.project)] }),
  };
  // nothing to change: a no-op, not an empty UPDATE … SET
  if (Object.keys(changes).length === 0) return (await rolesOfProject(db, role.project_id, role.id))[0]!;
  await db
    .transaction()
    .execute(async (trx) => {
      await trx.updateTable("roles").set(changes).where("id", "=", role.id).execute();
      if (data.permissions) await writeNodePermissions(trx, role.project_id, role.id, data.permissions.nodes);
      await assertTemplateRoles(trx, role.project_id);
      // keys act with their template's current role and the public role
      await keysChanged(trx, { projectId: role.project_id });
      await recordAudit(trx, {
        projectId: role.project_id,
        actorId,
        action: "role.update",
        target: data.name ?? role.name,
        details: { permissions: data.permissions, isPublic: data.isPublic },
      });
    })
    .catch(roleWriteFailed);
  return (await rolesOfProject(db, role.project_id, role.id))[0]!;
}

export async function deleteRole(db: Db, principal: Principal, input: z.input<typeof roleIdInput>) {
  const { roleId } = parse(roleIdInput, input);
  const actorId = requireUser(principal);
  const role = await manageableRole(db, principal, roleId);
  const usedBy = await templatesUsingRole(db, role.id);
  if (usedBy.length > 0) {
    throw conflict(
      `The role is used by API key template ${usedBy.map((n) => `"${n}"`).join(", ")}; change their role first`,
    );
  }
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom("roles").where("id", "=", role.id).execute();
    await assertTemplateRoles(trx, role.project_id);
    await keysChanged(trx, { projectId: role.project_id });
    await recordAudit(trx, { projectId: role.project_id, actorId, action: "role.delete", target: role.name });
  });
  return { id: role.id };
}
