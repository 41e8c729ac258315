import { type Database, type Db, sql, type Transaction } from "@keyflow/db";
import { addMemberInput, projectIdInput, removeMemberInput, setMemberRolesInput } from "@keyflow/schemas";
import type { z } from "zod";
import { loadAccess } from "../access";
import { mailRevokedHolders, revokeKeys } from "../apiKeys/keys";
import { recordAudit } from "../audit";
import { badRequest, conflict, isForeignKeyViolation, isUniqueViolation, notFound } from "../errors";
import { enqueueEmail } from "../mail";
import { type Principal, requireUser } from "../principal";
import { parse } from "../validate";

export interface MemberView {
  userId: number;
  name: string;
  email: string;
  roles: { id: number; name: string }[];
  /** Their usable keys from this project's templates: removing them from a private project revokes these. */
  activeKeys: { id: number; templateName: string }[];
}

async function membersOf(db: Db, projectId: number, userId?: number): Promise<MemberView[]> {
  let q = db
    .selectFrom("members as m")
    .innerJoin("users as u", "u.id", "m.user_id")
    .select([
      "u.id as userId",
      "u.name",
      "u.email",
      sql<{ id: number; name: string }[]>`coalesce((
        select json_agg(json_build_object('id', r.id, 'name', r.name) order by r.is_owner desc, r.id)
        from member_roles mr join roles r on r.id = mr.role_id
        where mr.project_id = m.project_id and mr.user_id = m.user_id), '[]')`.as("roles"),
      sql<{ id: number; templateName: string }[]>`coalesce((
        select json_agg(json_build_object('id', k.id, 'templateName', t.name) order by k.id)
        from api_keys k join api_key_templates t on t.id = k.template_id
        where k.project_id = m.project_id and k.user_id = m.user_id and k.revoked_at is null
          and (k.expires_at is null or k.expires_at > now())), '[]')`.as("activeKeys"),
    ])
    .where("m.project_id", "=", projectId);
  if (userId !== undefined) q = q.where("m.user_id", "=", userId);
  return q.orderBy("m.created_at").execute();
}

export async function listMembers(db: Db, principal: Principal, input: z.input<typeof projectIdInput>) {
  const { projectId } = parse(projectIdInput, input);
  (await loadAccess(db, principal, projectId)).require("project_manage");
  return membersOf(db, projectId);
}

/** Roles must belong to the project; the public role is everyone's already and is not assigned. */
async function checkRoles(db: Db, projectId: number, roleIds: number[]) {
  const unique = [...new Set(roleIds)];
  if (unique.length === 0) return { ids: unique, roles: [] };
  const roles = await db
    .selectFrom("roles")
    .select(["id", "name", "is_public", "is_owner"])
    .where("project_id", "=", projectId)
    .where("id", "in", unique)
    .execute();
  if (roles.length !== unique.length) throw badRequest("roleIds", "every role must belong to this project");
  if (roles.some((r) => r.is_public))
    throw badRequest("roleIds", "the public role is held by everyone and cannot be assigned");
  return { ids: unique, roles };
}

async function writeRoles(trx: Transaction<Database>, projectId: number, userId: number, roleIds: number[]) {
  await trx
    .deleteFrom("member_roles")
    .where("project_id", "=", projectId)
    .where("user_id", "=", userId)
    .execute();
  if (roleIds.length > 0) {
    await trx
      .insertInto("member_roles")
      .values(roleIds.map((role_id) => ({ project_id: projectId, user_id: userId, role_id })))
      .execute()
      .catch((e) => {
        // a role deleted after checkRoles saw it: refused as one that never belonged here
        if (isForeignKeyViolation(e, "member_roles_role_id_fkey"))
          throw badRequest("roleIds", "every role must belong to this project");
        throw e;
      });
  }
}

/** Adds an existing user by e-mail and tells them so by e-mail (queued in the same transaction). */
export async function addMember(
  db: Db,
  principal: Principal,
  input: z.input<typeof addMemberInput>,
): Promise<MemberView> {
  const data = parse(addMemberInput, input);
  const actorId = requireUser(principal);
  (await loadAccess(db, principal, data.projectId)).require("project_manage");
  const { ids, roles } = await checkRoles(db, data.projectId, data.roleIds);
  const user = await db
    .selectFrom("users")
    .select(["id", "email"])
    .where((eb) => eb(eb.fn("lower", ["email"]), "=", data.email))
    .executeTakeFirst();
  if (!user) throw badRequest("email", "no Keyflow account uses this e-mail address");
  await db
    .transaction()
    .execute(async (trx) => {
      await trx.insertInto("members").values({ project_id: data.projectId, user_id: user.id }).execute();
      await writeRoles(trx, data.projectId, user.id, ids);
      const [project, actor] = await Promise.all([
        trx.selectFrom("projects").select("name").where("id", "=", data.projectId).executeTakeFirstOrThrow(),
        trx.selectFrom("users").select("name").where("id", "=", actorId).executeTakeFirstOrThrow(),
      ]);
      await recordAudit(trx, {
        projectId: data.projectId,
        actorId,
        action: "member.add",
        target: user.email,
        details: { userId: user.id, roles: roles.map((r) => r.name) },
      });
      await enqueueEmail(trx, {
        to: user.email,
        template: "member_added",
        data: {
          projectId: data.projectId,
          projectName: project.name,
          inviterName: actor.name,
          roleNames: roles.map((r) => r.name),
        },
      });
    })
    .catch((e) => {
      if (isUniqueViolation(e, "members_pkey"))
        throw conflict("This user is already a member of the project");
      throw e;
    });
  return (await membersOf(db, data.projectId, user.id))[0]!;
}

/** Refuses to leave the project without anyone holding the owner role. */
async function assertOwnerRemains(
  trx: Transaction<Database>,
  projectId: number,
  userId: number,
  keepsOwner: boolean,
) {
  if (keepsOwner) return;
  const others = await trx
    .selectFrom("member_roles as mr")
    .innerJoin("roles as r", "r.id", "mr.role_id")
    .select(sql<number>`count(*)`.as("n"))
    .where("mr.project_id", "=", projectId)
    .where("r.is_owner", "=", true)
    .where("mr.user_id", "!=", userId)
    .executeTakeFirstOrThrow();
  if (others.n === 0) throw conflict("The last holder of the owner role cannot lose it");
}

async function existingMember(trx: Transaction<Database>, projectId: number, userId: number) {
  const m = await trx
    .selectFrom("members")
    .select("user_id")
    .where("project_id", "=", projectId)
    .where("user_id", "=", userId)
    // lock the membership so two concurrent owner changes cannot both pass the last-owner check
    .forUpdate()
    .executeTakeFirst();
  if (!m) throw notFound("Member");
}

export async function setMemberRoles(
  db: Db,
  principal: Principal,
  input: z.input<typeof setMemberRolesInput>,
) {
  const data = parse(setMemberRolesInput, input);
  const actorId = requireUser(principal);
  (await loadAccess(db, principal, data.projectId)).require("project_manage");
  const { ids, roles } = await checkRoles(db, data.projectId, data.roleIds);
  await db.transaction().execute(async (trx) => {
    await lockProjectOwners(trx, data.projectId);
    await existingMember(trx, data.projectId, data.userId);
    await assertOwnerRemains(
      trx,
      data.projectId,
      data.userId,
      roles.some((r) => r.is_owner),
    );
    await writeRoles(trx, data.projectId, data.userId, ids);
    await recordAudit(trx, {
      projectId: data.projectId,
      actorId,
      action: "member.set_roles",
      target: String(data.userId),
      details: { roles: roles.map((r) => r.name) },
    });
  });
  return (await membersOf(db, data.projectId, data.userId))[0]!;
}

export async function removeMember(db: Db, principal: Principal, input: z.input<typeof removeMemberInput>) {
  const data = parse(removeMemberInput, input);
  const actorId = requireUser(principal);
  (await loadAccess(db, principal, data.projectId)).require("project_manage");
  await db.transaction().execute(async (trx) => {
    await lockProjectOwners(trx, data.projectId);
    await existingMember(trx, data.projectId, data.userId);
    await assertOwnerRemains(trx, data.projectId, data.userId, false);
    await trx
      .deleteFrom("members")
      .where("project_id", "=", data.projectId)
      .where("user_id", "=", data.userId)
      .execute();
    // in a private project a former member's keys would outlive their access (SPEC §11)
    const project = await trx
      .selectFrom("projects")
      .select("is_public")
      .where("id", "=", data.projectId)
      .executeTakeFirstOrThrow();
    const revoked = project.is_public
      ? []
      : await revokeKeys(trx, actorId, "holder removed from the project", {
          projectId: data.projectId,
          userId: data.userId,
        });
    await mailRevokedHolders(trx, revoked, "you were removed from the project");
    await recordAudit(trx, {
      projectId: data.projectId,
      actorId,
      action: "member.remove",
      target: String(data.userId),
      details: { revokedKeys: revoked.map((k) => k.id) },
    });
  });
  return { userId: data.userId };
}

/** Serialises owner-changing operations per project (the owner role row is the lock). */
async function lockProjectOwners(trx: Transaction<Database>, projectId: number) {
  await trx
    .selectFrom("roles")
    .select("id")
    .where("project_id", "=", projectId)
    .where("is_owner", "=", true)
    .forUpdate()
    .execute();
}
