import { type Db, sql } from "@keyflow/db";
import {
  createTemplateInput,
  DATA_PLANE_PERMISSIONS,
  type ProjectPermission,
  projectIdInput,
  type RequestQuestion,
  templateIdInput,
  updateTemplateInput,
} from "@keyflow/schemas";
import type { z } from "zod";
import { loadAccess } from "../access";
import { recordAudit } from "../audit";
import { badRequest, conflict, isForeignKeyViolation, isUniqueViolation, notFound } from "../errors";
import { enqueueEmailToUser } from "../mail";
import { type Principal, requireUser } from "../principal";
import { parse } from "../validate";
import { keysChanged } from "./invalidation";
import { revokeKeys } from "./keys";
import { REQUEST_TRANSITIONS, requestFrom } from "./lifecycle";
import { assertTemplateRoles } from "./templateRule";

/** The fields the RnDFlow client's get_server(prefix) reads, suggested on every new template. */
export const RECOMMENDED_FIELDS = [
  { name: "project", description: "Id of this project" },
  { name: "input", description: "Id of the node that receives data packages" },
  { name: "output", description: "Id of the node results are taken from" },
] as const;

export interface TemplateView {
  id: number;
  projectId: number;
  name: string;
  description: string;
  roleId: number | null;
  roleName: string;
  pricePerRequest: string;
  rateLimitPerMinute: number | null;
  keyTtlDays: number | null;
  allowSharedLayers: boolean;
  /** approval policy (SPEC §12): "auto" issues the key at once on request */
  approval: "manual" | "auto";
  /** caps every key's lifetime (and an expiry chosen at approval); null = unlimited */
  maxTtlDays: number | null;
  /** what the requester answers in the REQUEST dialog */
  requestQuestions: RequestQuestion[];
  /** SPEC §13: over the rate limit, refuse (429) or hold the request up to 10 s */
  rateLimitMode: "reject" | "wait";
  /** requests answered < 400 per period; null = no quota */
  quota: { requests: number; period: "day" | "month" | "total" } | null;
  createdAt: Date;
  /** what deleting the template would end: its active keys and its pending requests */
  activeKeys: number;
  pendingRequests: number;
  fields: {
    id: number;
    name: string;
    description: string;
    value: string;
    nodeId: number | null;
    nodeDeleted: boolean;
  }[];
  warnings: string[];
}

/**
 * A live template and the caller's access to its project; "<what> not found" when the template is
 * missing or its project invisible (`what` names the object the caller asked for, e.g. "Field").
 */
export async function templateWithAccess(
  db: Db,
  principal: Principal,
  templateId: number,
  what = "API key template",
) {
  const template = await db
    .selectFrom("api_key_templates")
    .selectAll()
    .where("id", "=", templateId)
    .where("deleted_at", "is", null)
    .executeTakeFirst();
  if (!template) throw notFound(what);
  const access = await loadAccess(db, principal, template.project_id, what);
  return { template, access };
}

export async function manageTemplate(db: Db, principal: Principal, templateId: number, what?: string) {
  const found = await templateWithAccess(db, principal, templateId, what);
  found.access.require("project_manage");
  return found;
}

async function roleOfProject(db: Db, projectId: number, roleId: number) {
  const role = await db
    .selectFrom("roles")
    .select(["id", "name"])
    .where("id", "=", roleId)
    .where("project_id", "=", projectId)
    .executeTakeFirst();
  if (!role) throw badRequest("roleId", "no such role in this project");
  return role;
}

export async function templatesOfProject(
  db: Db,
  projectId: number,
  templateId?: number,
): Promise<TemplateView[]> {
  let q = db
    .selectFrom("api_key_templates as t")
    .leftJoin("roles as r", "r.id", "t.role_id")
    .select([
      "t.id",
      "t.project_id",
      "t.name",
      "t.description",
      "t.role_id",
      "r.name as role_name",
      "r.permissions",
      "t.price_per_request",
      "t.rate_limit_per_minute",
      "t.key_ttl_days",
      "t.allow_shared_layers",
      "t.approval",
      "t.max_ttl_days",
      "t.request_questions",
      "t.rate_limit_mode",
      "t.quota_requests",
      "t.quota_period",
      "t.created_at",
    ])
    .where("t.project_id", "=", projectId)
    .where("t.deleted_at", "is", null);
  if (templateId !== undefined) q = q.where("t.id", "=", templateId);
  const rows = await q.orderBy("t.id").execute();
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [fields, keyCounts, requestCounts] = await Promise.all([
    db
      .selectFrom("api_key_template_fields")
      .select(["id", "template_id", "name", "description", "value", "node_id", "from_node"])
      .where("template_id", "in", ids)
      .orderBy("id")
      .execute(),
    db
      .selectFrom("api_keys")
      .select(["template_id", sql<number>`count(*)::int`.as("n")])
      .where("template_id", "in", ids)
      .where("revoked_at", "is", null)
      .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", new Date())]))
      .groupBy("template_id")
      .execute(),
    db
      .selectFrom("key_requests")
      .select(["template_id", sql<number>`count(*)::int`.as("n")])
      .where("template_id", "in", ids)
      .where("status", "=", "pending")
      .groupBy("template_id")
      .execute(),
  ]);
  return rows.map((t) => {
    const own = fields
      .filter((f) => f.template_id === t.id)
      .map((f) => ({
        id: f.id,
        name: f.name,
        description: f.description,
        value: f.value,
        nodeId: f.node_id,
        nodeDeleted: f.from_node && f.node_id === null,
      }));
    return {
      id: t.id,
      projectId: t.project_id,
      name: t.name,
      description: t.description,
      roleId: t.role_id,
      roleName: t.role_name ?? "",
      pricePerRequest: t.price_per_request,
      rateLimitPerMinute: t.rate_limit_per_minute,
      keyTtlDays: t.key_ttl_days,
      allowSharedLayers: t.allow_shared_layers,
      approval: t.approval,
      maxTtlDays: t.max_ttl_days,
      requestQuestions: t.request_questions,
      rateLimitMode: t.rate_limit_mode,
      quota:
        t.quota_requests !== null && t.quota_period !== null
          ? { requests: t.quota_requests, period: t.quota_period }
          : null,
      createdAt: t.created_at,
      activeKeys: keyCounts.find((c) => c.template_id === t.id)?.n ?? 0,
      pendingRequests: requestCounts.find((c) => c.template_id === t.id)?.n ?? 0,
      fields: own,
      warnings: templateWarnings(own, t.permissions ?? []),
    };
  });
}

function templateWarnings(fields: TemplateView["fields"], rolePermissions: string[]): string[] {
  const warnings: string[] = [];
  for (const { name } of RECOMMENDED_FIELDS) {
    const f = fields.find((x) => x.name === name);
    if (!f || f.value.trim() === "") {
      warnings.push(
        `Field "${name}" is ${f ? "empty" : "missing"}: the RnDFlow client's get_server(prefix) needs project, input and output`,
      );
    }
  }
  for (const f of fields)
    if (f.nodeDeleted) warnings.push(`Field "${f.name}" refers to a node that was deleted`);
  const unusable = rolePermissions.filter((p) => !DATA_PLANE_PERMISSIONS.has(p as ProjectPermission));
  if (unusable.length > 0) {
    warnings.push(
      `The role grants ${unusable.join(", ")}, which API keys cannot use (keys reach only the REST data plane)`,
    );
  }
  return warnings;
}

export async function listTemplates(db: Db, principal: Principal, input: z.input<typeof projectIdInput>) {
  const { projectId } = parse(projectIdInput, input);
  (await loadAccess(db, principal, projectId)).require("project_manage");
  return templatesOfProject(db, projectId);
}

function templateWriteFailed(e: unknown): never {
  if (isUniqueViolation(e, "api_key_templates_name_key"))
    throw conflict("A template with this name already exists in the project");
  // the role was deleted after roleOfProject saw it: refused as one never in the project
  if (isForeignKeyViolation(e, "api_key_templates_role_id_fkey"))
    throw badRequest("roleId", "no such role in this project");
  throw e;
}

/** Creates a template with the recommended project / input / output fields (project prefilled). */
export async function createTemplate(
  db: Db,
  principal: Principal,
  input: z.input<typeof createTemplateInput>,
) {
  const data = parse(createTemplateInput, input);
  const actorId = requireUser(principal);
  (await loadAccess(db, principal, data.projectId)).require("project_manage");
  await roleOfProject(db, data.projectId, data.roleId);
  const id = await db
    .transaction()
    .execute(async (trx) => {
      const t = await trx
        .insertInto("api_key_templates")
        .values({ project_id: data.projectId, name: data.name, role_id: data.roleId })
        .returning("id")
        .executeTakeFirstOrThrow();
      await trx
        .insertInto("api_key_template_fields")
        .values(
          RECOMMENDED_FIELDS.map((f) => ({
            template_id: t.id,
            name: f.name,
            description: f.description,
            value: f.name === "project" ? String(data.projectId) : "",
          })),
        )
        .execute();
      await assertTemplateRoles(trx, data.projectId);
      await recordAudit(trx, {
        projectId: data.projectId,
        actorId,
        action: "template.create",
        target: data.name,
        details: { roleId: data.roleId },
      });
      return t.id;
    })
    .catch(templateWriteFailed);
  return (await templatesOfProject(db, data.projectId, id))[0]!;
}

const days = (n: number) => (n === 1 ? "1 day" : `${n} days`);

/**
 * The default key lifetime may not exceed the cap (refused, not clamped: the owner sees which of
 * the two to change). A default of "never" under a cap is fine: keys then live maxTtlDays.
 */
function assertLifetimes(
  template: { key_ttl_days: number | null; max_ttl_days: number | null },
  data: { keyTtlDays?: number | null; maxTtlDays?: number | null },
) {
  const ttl = data.keyTtlDays !== undefined ? data.keyTtlDays : template.key_ttl_days;
  const max = data.maxTtlDays !== undefined ? data.maxTtlDays : template.max_ttl_days;
  if (ttl === null || max === null || ttl <= max) return;
  if (data.keyTtlDays !== undefined)
    throw badRequest("keyTtlDays", `must be at most the maximum key lifetime (${days(max)})`);
  throw badRequest("maxTtlDays", `must be at least the key lifetime (${days(ttl)})`);
}

export async function updateTemplate(
  db: Db,
  principal: Principal,
  input: z.input<typeof updateTemplateInput>,
) {
  const data = parse(updateTemplateInput, input);
  const actorId = requireUser(principal);
  const { template } = await manageTemplate(db, principal, data.templateId);
  if (data.roleId !== undefined) await roleOfProject(db, template.project_id, data.roleId);
  assertLifetimes(template, data);
  const changes = {
    ...(data.name !== undefined && { name: data.name }),
    ...(data.description !== undefined && { description: data.description }),
    ...(data.roleId !== undefined && { role_id: data.roleId }),
    ...(data.pricePerRequest !== undefined && { price_per_request: data.pricePerRequest }),
    ...(data.rateLimitPerMinute !== undefined && { rate_limit_per_minute: data.rateLimitPerMinute }),
    ...(data.keyTtlDays !== undefined && { key_ttl_days: data.keyTtlDays }),
    ...(data.allowSharedLayers !== undefined && { allow_shared_layers: data.allowSharedLayers }),
    ...(data.approval !== undefined && { approval: data.approval }),
    ...(data.maxTtlDays !== undefined && { max_ttl_days: data.maxTtlDays }),
    ...(data.requestQuestions !== undefined && { request_questions: JSON.stringify(data.requestQuestions) }),
    ...(data.rateLimitMode !== undefined && { rate_limit_mode: data.rateLimitMode }),
    ...(data.quota !== undefined && {
      quota_requests: data.quota?.requests ?? null,
      quota_period: data.quota?.period ?? null,
    }),
  };
  // nothing to change (unknown keys are dropped): a no-op, not an empty UPDATE … SET
  if (Object.keys(changes).length === 0)
    return (await templatesOfProject(db, template.project_id, template.id))[0]!;
  await db
    .transaction()
    .execute(async (trx) => {
      await trx.updateTable("api_key_templates").set(changes).where("id", "=", template.id).execute();
      await assertTemplateRoles(trx, template.project_id);
      const { templateId: _, ...given } = data;
      await recordAudit(trx, {
        projectId: template.project_id,
        actorId,
        action: "template.update",
        target: data.name ?? template.name,
        details: given,
      });
      // role, price, limit and layer access are read by the key cache
      await keysChanged(trx, { projectId: template.project_id });
    })
    .catch(templateWriteFailed);
  return (await templatesOfProject(db, template.project_id, template.id))[0]!;
}

/**
 * Soft delete, freeing the name: pending requests are cancelled and issued keys revoked (people
 * e-mailed); statistics stay.
 */
export async function deleteTemplate(db: Db, principal: Principal, input: z.input<typeof templateIdInput>) {
  const { templateId } = parse(templateIdInput, input);
  const actorId = requireUser(principal);
  const { template } = await manageTemplate(db, principal, templateId);
  return db.transaction().execute(async (trx) => {
    await trx
      .updateTable("api_key_templates")
      .set({ deleted_at: new Date() })
      .where("id", "=", template.id)
      .execute();
    const project = await trx
      .selectFrom("projects")
      .select("name")
      .where("id", "=", template.project_id)
      .executeTakeFirstOrThrow();
    const mailData = {
      projectId: template.project_id,
      projectName: project.name,
      templateName: template.name,
    };
    const cancelled = await trx
      .updateTable("key_requests")
      .set({ status: REQUEST_TRANSITIONS.cancel.to, decided_by: actorId, decided_at: new Date() })
      .where("template_id", "=", template.id)
      .where("status", "in", requestFrom("cancel"))
      .returning("user_id")
      .execute();
    for (const r of cancelled) await enqueueEmailToUser(trx, r.user_id, "key_request_cancelled", mailData);
    const revoked = await revokeKeys(trx, actorId, "template deleted", { templateId: template.id });
    for (const k of revoked)
      await enqueueEmailToUser(trx, k.user_id, "key_revoked", {
        ...mailData,
        why: "its template was deleted",
      });
    await recordAudit(trx, {
      projectId: template.project_id,
      actorId,
      action: "template.delete",
      target: template.name,
      details: { cancelledRequests: cancelled.length, revokedKeys: revoked.length },
    });
    return { id: template.id, revokedKeys: revoked.length, cancelledRequests: cancelled.length };
  });
}
