import type { Db } from "@keyflow/db";
import { addFieldInput, fieldIdInput, updateFieldInput } from "@keyflow/schemas";
import type { z } from "zod";
import { recordAudit } from "../audit";
import { badRequest, conflict, isForeignKeyViolation, isUniqueViolation, notFound } from "../errors";
import { type Principal, requireUser } from "../principal";
import { parse } from "../validate";
import { manageTemplate, templatesOfProject } from "./templates";

/** "insert node ID": the node must belong to the template's project; the value becomes its id. */
async function nodeValue(db: Db, projectId: number, nodeId: number | null | undefined) {
  if (nodeId === undefined || nodeId === null) return {};
  const node = await db
    .selectFrom("nodes")
    .select("id")
    .where("id", "=", nodeId)
    .where("project_id", "=", projectId)
    .executeTakeFirst();
  if (!node) throw badRequest("nodeId", "no such node in this project");
  return { node_id: node.id, from_node: true, value: String(node.id) };
}

function fieldWriteFailed(e: unknown): never {
  if (isUniqueViolation(e)) throw conflict("A field with this name already exists in the template");
  // the node or the template was deleted after it was checked: as if it had never been there
  if (isForeignKeyViolation(e, "api_key_template_fields_node_id_fkey"))
    throw badRequest("nodeId", "no such node in this project");
  if (isForeignKeyViolation(e, "api_key_template_fields_template_id_fkey"))
    throw notFound("API key template");
  throw e;
}

async function fieldWithTemplate(db: Db, principal: Principal, fieldId: number) {
  const field = await db
    .selectFrom("api_key_template_fields")
    .selectAll()
    .where("id", "=", fieldId)
    .executeTakeFirst();
  if (!field) throw notFound("Field");
  const { template } = await manageTemplate(db, principal, field.template_id, "Field");
  return { field, template };
}

async function templateView(db: Db, projectId: number, templateId: number) {
  return (await templatesOfProject(db, projectId, templateId))[0]!;
}

export async function addField(db: Db, principal: Principal, input: z.input<typeof addFieldInput>) {
  const data = parse(addFieldInput, input);
  const actorId = requireUser(principal);
  const { template } = await manageTemplate(db, principal, data.templateId);
  const fromNode = await nodeValue(db, template.project_id, data.nodeId);
  await db
    .transaction()
    .execute(async (trx) => {
      await trx
        .insertInto("api_key_template_fields")
        .values({
          template_id: template.id,
          name: data.name,
          description: data.description ?? "",
          value: data.value ?? "",
          ...fromNode,
        })
        .execute();
      await recordAudit(trx, {
        projectId: template.project_id,
        actorId,
        action: "template.field_add",
        target: `${template.name}.${data.name}`,
      });
    })
    .catch(fieldWriteFailed);
  return templateView(db, template.project_id, template.id);
}

export async function updateField(db: Db, principal: Principal, input: z.input<typeof updateFieldInput>) {
  const data = parse(updateFieldInput, input);
  const actorId = requireUser(principal);
  const { field, template } = await fieldWithTemplate(db, principal, data.fieldId);
  // typing a value by hand drops the node reference; picking a node sets both
  const fromNode =
    data.nodeId !== undefined && data.nodeId !== null
      ? await nodeValue(db, template.project_id, data.nodeId)
      : data.value !== undefined || data.nodeId === null
        ? { node_id: null, from_node: false }
        : {};
  const changes = {
    ...(data.name !== undefined && { name: data.name }),
    ...(data.description !== undefined && { description: data.description }),
    ...(data.value !== undefined && { value: data.value }),
    ...fromNode,
  };
  // nothing to change: a no-op, not an empty UPDATE … SET
  if (Object.keys(changes).length === 0) return templateView(db, template.project_id, template.id);
  await db
    .transaction()
    .execute(async (trx) => {
      await trx.updateTable("api_key_template_fields").set(changes).where("id", "=", field.id).execute();
      await recordAudit(trx, {
        projectId: template.project_id,
        actorId,
        action: "template.field_update",
        target: `${template.name}.${data.name ?? field.name}`,
      });
    })
    .catch(fieldWriteFailed);
  return templateView(db, template.project_id, template.id);
}

export async function removeField(db: Db, principal: Principal, input: z.input<typeof fieldIdInput>) {
  const { fieldId } = parse(fieldIdInput, input);
  const actorId = requireUser(principal);
  const { field, template } = await fieldWithTemplate(db, principal, fieldId);
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom("api_key_template_fields").where("id", "=", field.id).execute();
    await recordAudit(trx, {
      projectId: template.project_id,
      actorId,
      action: "template.field_remove",
      target: `${template.name}.${field.name}`,
    });
  });
  return templateView(db, template.project_id, template.id);
}
