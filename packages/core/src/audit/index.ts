import type { Db } from "@keyflow/db";
import { auditListInput } from "@keyflow/schemas";
import type { z } from "zod";
import { loadAccess } from "../access";
import type { Principal } from "../principal";
import { parse } from "../validate";

export interface AuditEntry {
  projectId: number | null;
  actorId: number | null;
  action: string;
  target?: string;
  details?: Record<string, unknown>;
}

/** Records one audit entry; call it inside the transaction of the change it describes. */
export async function recordAudit(db: Db, entry: AuditEntry): Promise<void> {
  await db
    .insertInto("audit_log")
    .values({
      project_id: entry.projectId,
      actor_id: entry.actorId,
      action: entry.action,
      target: entry.target ?? "",
      details: JSON.stringify(entry.details ?? {}),
    })
    .execute();
}

const PAGE_SIZE = 50;

/** The project's audit log, newest first; owners only (`project_manage`). */
export async function listAudit(db: Db, principal: Principal, input: z.input<typeof auditListInput>) {
  const { projectId, page = 1 } = parse(auditListInput, input);
  (await loadAccess(db, principal, projectId)).require("project_manage");
  const rows = await db
    .selectFrom("audit_log as a")
    .leftJoin("users as u", "u.id", "a.actor_id")
    .select([
      "a.id",
      "a.action",
      "a.target",
      "a.details",
      "a.created_at",
      "u.id as actor_id",
      "u.name as actor_name",
      "u.email as actor_email",
    ])
    .where("a.project_id", "=", projectId)
    .orderBy("a.id", "desc")
    .limit(PAGE_SIZE + 1)
    .offset((page - 1) * PAGE_SIZE)
    .execute();
  return {
    page,
    hasMore: rows.length > PAGE_SIZE,
    items: rows.slice(0, PAGE_SIZE).map((r) => ({
      id: r.id,
      action: r.action,
      target: r.target,
      details: r.details,
      createdAt: r.created_at,
      actor:
        r.actor_id === null ? null : { id: r.actor_id, name: r.actor_name ?? "", email: r.actor_email ?? "" },
    })),
  };
}
