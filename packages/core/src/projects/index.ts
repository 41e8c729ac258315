import { type Db, sql } from "@keyflow/db";
import {
  createProjectInput,
  PROJECT_PERMISSIONS,
  projectIdInput,
  updateProjectInput,
} from "@keyflow/schemas";
import type { z } from "zod";
import { loadAccess, resolveAccess } from "../access";
import { revokeKeys } from "../apiKeys/keys";
import { REQUEST_TRANSITIONS, requestFrom } from "../apiKeys/lifecycle";
import { keyTiles } from "../apiKeys/tiles";
import { recordAudit } from "../audit";
import { notFound, unauthorized } from "../errors";
import { enqueueEmailToUser } from "../mail";
import { type Principal, requireUser } from "../principal";
import { parse } from "../validate";

export interface ProjectSummary {
  id: number;
  name: string;
  description: string;
  isPublic: boolean;
  isMember: boolean;
  createdAt: Date;
}

/**
 * Creates a project with its owner role (every permission, held by the creator) and an initial
 * shared data layer, in one transaction.
 */
export async function createProject(db: Db, principal: Principal, input: z.input<typeof createProjectInput>) {
  const userId = requireUser(principal);
  const data = parse(createProjectInput, input);
  return db.transaction().execute(async (trx) => {
    const project = await trx
      .insertInto("projects")
      .values({
        name: data.name,
        description: data.description ?? "",
        is_public: data.isPublic ?? false,
        created_by: userId,
      })
      .returning(["id", "name", "description", "is_public", "created_at"])
      .executeTakeFirstOrThrow();
    const role = await trx
      .insertInto("roles")
      .values({
        project_id: project.id,
        name: "Owner",
        description: "Every permission. Cannot be edited or deleted.",
        is_owner: true,
        permissions: [...PROJECT_PERMISSIONS],
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await trx.insertInto("members").values({ project_id: project.id, user_id: userId }).execute();
    await trx
      .insertInto("member_roles")
      .values({ project_id: project.id, user_id: userId, role_id: role.id })
      .execute();
    await trx
      .insertInto("data_layers")
      .values({ project_id: project.id, name: "Main", kind: "shared", owner_id: null })
      .execute();
    await recordAudit(trx, {
      projectId: project.id,
      actorId: userId,
      action: "project.create",
      target: project.name,
    });
    return {
      id: project.id,
      name: project.name,
      description: project.description,
      isPublic: project.is_public,
      isMember: true,
      createdAt: project.created_at,
    } satisfies ProjectSummary;
  });
}

/**
 * The projects the caller may see, their own first: those where a role they hold or the public role
 * grants `project_view` (the rule of `loadAccess`), and public projects, whose About page every
 * signed-in user sees. Membership alone shows nothing.
 */
export async function listProjects(db: Db, principal: Principal): Promise<ProjectSummary[]> {
  const userId = requireUser(principal);
  const rows = await db
    .selectFrom("projects as p")
    .leftJoin("members as m", (j) => j.onRef("m.project_id", "=", "p.id").on("m.user_id", "=", userId))
    .select(["p.id", "p.name", "p.description", "p.is_public", "p.created_at", "m.user_id"])
    .where("p.deleted_at", "is", null)
    .where((eb) =>
      eb.or([
        eb("p.is_public", "=", true),
        eb.exists(
          eb
            .selectFrom("roles as r")
            .select(sql.lit(1).as("one"))
            .whereRef("r.project_id", "=", "p.id")
            .where(sql<boolean>`'project_view' = any(r.permissions)`)
            .where((r) =>
              r.or([
                r("r.is_public", "=", true),
                r(
                  "r.id",
                  "in",
                  r
                    .selectFrom("member_roles as mr")
                    .select("mr.role_id")
                    .whereRef("mr.project_id", "=", "p.id")
                    .where("mr.user_id", "=", userId),
                ),
              ]),
            ),
        ),
      ]),
    )
    .orderBy("m.user_id", (ob) => ob.asc().nullsLast())
    .orderBy("p.id", "desc")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    description: r.description,
    isPublic: r.is_public,
    isMember: r.user_id !== null,
    createdAt: r.created_at,
  }));
}

/**
 * A project as the caller may see it, with their access: NOT_FOUND (UNAUTHORIZED signed out) when
 * they may not. `project_view` shows the whole project; a public project shows every signed-in
 * user its About page (`full: false`). The one visibility rule of `getProject` and `projectAbout`.
 */
async function visibleProject(db: Db, principal: Principal, projectId: number) {
  const access = await resolveAccess(db, principal, projectId);
  const p = await db
    .selectFrom("projects")
    .select(["id", "name", "description", "is_public", "created_at"])
    .where("id", "=", projectId)
    .where("deleted_at", "is", null)
    .executeTakeFirst();
  const full = access?.has("project_view") ?? false;
  if (!p || !access || !(full || (p.is_public && principal.kind === "user")))
    throw principal.kind === "anonymous" ? unauthorized() : notFound("Project");
  return { p, access, full };
}

/**
 * The project with the caller's effective permissions, so the UI can show what they may do. A
 * signed-in non-member of a public project gets its public view: `canViewProject: false` and no
 * permissions (every other section needs `project_view`), so the web app needs no failing call
 * to find out it may show the About page only.
 */
export async function getProject(db: Db, principal: Principal, input: z.input<typeof projectIdInput>) {
  const { projectId } = parse(projectIdInput, input);
  const { p, access, full } = await visibleProject(db, principal, projectId);
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    isPublic: p.is_public,
    createdAt: p.created_at,
    isMember: access.isMember,
    canViewProject: full,
    permissions: full ? [...access.project] : [],
    nodePermissions: full ? Object.fromEntries([...access.nodes].map(([n, s]) => [n, [...s]])) : {},
  };
}

export async function updateProject(db: Db, principal: Principal, input: z.input<typeof updateProjectInput>) {
  const data = parse(updateProjectInput, input);
  const access = await loadAccess(db, principal, data.projectId);
  access.require("project_edit");
  const changes = {
    ...(data.name !== undefined && { name: data.name }),
    ...(data.description !== undefined && { description: data.description }),
    ...(data.isPublic !== undefined && { is_public: data.isPublic }),
  };
  // nothing to change: a no-op answering the project as it is, not an empty UPDATE … SET
  if (Object.keys(changes).length === 0) {
    const p = await db
      .selectFrom("projects")
      .select(["id", "name", "description", "is_public"])
      .where("id", "=", data.projectId)
      .executeTakeFirstOrThrow();
    return { id: p.id, name: p.name, description: p.description, isPublic: p.is_public };
  }
  return db.transaction().execute(async (trx) => {
    const p = await trx
      .updateTable("projects")
      .set(changes)
      .where("id", "=", data.projectId)
      .returning(["id", "name", "description", "is_public"])
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      projectId: p.id,
      actorId: requireUser(principal),
      action: "project.update",
      target: p.name,
      details: {
        name: data.name,
        isPublic: data.isPublic,
        descriptionChanged: data.description !== undefined,
      },
    });
    return { id: p.id, name: p.name, description: p.description, isPublic: p.is_public };
  });
}

/** Soft delete: the project disappears for everyone; its rows stay for audit and key statistics. */
export async function deleteProject(db: Db, principal: Principal, input: z.input<typeof projectIdInput>) {
  const { projectId } = parse(projectIdInput, input);
  const access = await loadAccess(db, principal, projectId);
  access.require("project_manage");
  const actorId = requireUser(principal);
  await db.transaction().execute(async (trx) => {
    const project = await trx
      .updateTable("projects")
      .set({ deleted_at: new Date() })
      .where("id", "=", projectId)
      .returning("name")
      .executeTakeFirstOrThrow();
    const mail = { projectId, projectName: project.name };
    const cancelled = await trx
      .updateTable("key_requests as k")
      .set({ status: REQUEST_TRANSITIONS.cancel.to, decided_by: actorId, decided_at: new Date() })
      .where("k.project_id", "=", projectId)
      .where("k.status", "in", requestFrom("cancel"))
      .returning(["k.user_id", "k.template_id"])
      .execute();
    const revoked = await revokeKeys(trx, actorId, "project deleted", { projectId });
    // queued jobs never start; a running one finishes but its outputs land in a deleted project
    const cancelledJobs = await trx
      .updateTable("jobs")
      .set({ state: "failed", error: "project deleted", finished_at: new Date() })
      .where("project_id", "=", projectId)
      .where("state", "=", "queued")
      .executeTakeFirst();
    const names = await templateNames(
      trx,
      [...cancelled, ...revoked].map((r) => r.template_id),
    );
    for (const r of cancelled) {
      await enqueueEmailToUser(trx, r.user_id, "key_request_cancelled", {
        ...mail,
        templateName: names.get(r.template_id) ?? "",
      });
    }
    for (const k of revoked) {
      await enqueueEmailToUser(trx, k.user_id, "key_revoked", {
        ...mail,
        templateName: names.get(k.template_id) ?? "",
        why: "the project was deleted",
      });
    }
    await recordAudit(trx, {
      projectId,
      actorId,
      action: "project.delete",
      details: {
        revokedKeys: revoked.length,
        cancelledRequests: cancelled.length,
        cancelledJobs: Number(cancelledJobs.numUpdatedRows),
      },
    });
  });
  return { id: projectId };
}

/**
 * About page data. Anyone who may view the project sees it; on a public project every signed-in
 * user does, even without `project_view` (they can then request API keys).
 */
export async function projectAbout(db: Db, principal: Principal, input: z.input<typeof projectIdInput>) {
  const { projectId } = parse(projectIdInput, input);
  const { p, access, full } = await visibleProject(db, principal, projectId);
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    isPublic: p.is_public,
    createdAt: p.created_at,
    canViewProject: full,
    canManage: full && access.has("project_manage"),
    keyTiles: await keyTiles(db, projectId, principal.kind === "user" ? principal.userId : null),
  };
}

async function templateNames(db: Db, ids: number[]) {
  if (ids.length === 0) return new Map<number, string>();
  const rows = await db
    .selectFrom("api_key_templates")
    .select(["id", "name"])
    .where("id", "in", ids)
    .execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}
