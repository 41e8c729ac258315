import { z } from "zod";
import { id } from "./primitives";

/**
 * Every action core writes to the audit log, grouped by what it is about. `recordAudit` takes only
 * these, and the web app has a sentence for each (a unit test fails when one is missing).
 */
export const AUDIT_ACTION_GROUPS = {
  project: ["project.create", "project.update", "project.delete"],
  graph: [
    "node.create",
    "node.update",
    "node.delete",
    "node.set_active",
    "node.file_put",
    "node.file_delete",
    "link.create",
    "link.delete",
    "data_layer.create",
    "data_layer.delete",
  ],
  permissions: [
    "role.create",
    "role.update",
    "role.delete",
    "member.add",
    "member.set_roles",
    "member.remove",
  ],
  templates: [
    "template.create",
    "template.update",
    "template.delete",
    "template.field_add",
    "template.field_update",
    "template.field_remove",
  ],
  keys: [
    "key.request",
    "key.withdraw",
    "key.approve",
    "key.reject",
    "key.issue",
    "key.reveal",
    "key.revoke",
    "key.suspend",
    "key.resume",
    "key.roll",
    "key.quota_grant",
  ],
  secrets: [
    "secret.create",
    "secret.update",
    "secret.delete",
    "secret.reveal",
    "secret.set_nodes",
    "secret.import",
    "secret.grant_key",
    // a roll rewrote an imported `<prefix>_token` secret with the new token (audited in its project)
    "secret.token_rewrite",
  ],
} as const;
export type AuditActionGroup = keyof typeof AUDIT_ACTION_GROUPS;
export type AuditAction = (typeof AUDIT_ACTION_GROUPS)[AuditActionGroup][number];
export const AUDIT_ACTIONS = Object.values(AUDIT_ACTION_GROUPS).flat() as AuditAction[];

export const auditListInput = z.object({
  projectId: id,
  page: z.number().int().positive().max(10_000).optional(),
  /** only entries of this action */
  action: z
    .enum(AUDIT_ACTIONS as [AuditAction, ...AuditAction[]], { error: "must be one of the audit actions" })
    .optional(),
  /** only entries made by this user */
  actorId: id.optional(),
});
