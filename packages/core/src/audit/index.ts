import type { Db } from "@keyflow/db";
import { type AuditAction, auditListInput } from "@keyflow/schemas";
import type { z } from "zod";
import { loadAccess } from "../access";
import type { Principal } from "../principal";
import { parse } from "../validate";

export interface AuditEntry {
  projectId: number | null;
  actorId: number | null;
  /** One of `AUDIT_ACTIONS` (`@keyflow/schemas`): the web app has a sentence for each. */
  action: AuditAction;
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

const positiveInt = (v: unknown): number | null =>
  typeof v === "number" && Number.isInteger(v) && v > 0 && v <= 2_147_483_647 ? v : null;
const intFromText = (v: unknown): number | null =>
  typeof v === "string" && /^\d{1,10}$/.test(v) ? positiveInt(Number(v)) : null;
const ints = (v: unknown): number[] => (Array.isArray(v) ? v.map(positiveInt).filter((n) => n !== null) : []);

/** The ids an entry names, so the log can say "Rita Requester" and "node doubler" instead of numbers. */
function namedIds(e: { action: string; target: string; details: unknown }) {
  const d = (e.details && typeof e.details === "object" ? e.details : {}) as Record<string, unknown>;
  const users = [positiveInt(d.userId)];
  const keys = [positiveInt(d.keyId)];
  const requests = [positiveInt(d.requestId)];
  const nodes = [
    positiveInt(d.nodeId),
    positiveInt(d.fromNodeId),
    positiveInt(d.toNodeId),
    ...ints(d.nodeIds),
    ...ints(d.added),
    ...ints(d.removed),
  ];
  if (e.action === "member.set_roles" || e.action === "member.remove") users.push(intFromText(e.target));
  if (e.action === "key.reveal") keys.push(intFromText(e.target));
  if (e.action === "key.withdraw") requests.push(intFromText(e.target));
  const present = (xs: (number | null)[]) => xs.filter((x): x is number => x !== null);
  return { users: present(users), keys: present(keys), requests: present(requests), nodes: present(nodes) };
}

/**
 * The project's audit log, newest first, 50 a page; owners only (`project_manage`). Optionally only
 * one action and / or one actor. With each page: everyone who appears in the whole log (for a
 * "by person" filter), and the names of the users, nodes, keys and key requests its entries name
 * by id (only those of this project; deleted nodes are left out, so the entry's own text stands).
 */
export async function listAudit(db: Db, principal: Principal, input: z.input<typeof auditListInput>) {
  const { projectId, page = 1, action, actorId } = parse(auditListInput, input);
  (await loadAccess(db, principal, projectId)).require("project_manage");
  let q = db
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
    .where("a.project_id", "=", projectId);
  if (action !== undefined) q = q.where("a.action", "=", action);
  if (actorId !== undefined) q = q.where("a.actor_id", "=", actorId);
  const rows = await q
    .orderBy("a.id", "desc")
    .limit(PAGE_SIZE + 1)
    .offset((page - 1) * PAGE_SIZE)
    .execute();
  const items = rows.slice(0, PAGE_SIZE);

  const actors = await db
    .selectFrom("users as u")
    .select(["u.id", "u.name", "u.email"])
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom("audit_log as a")
          .select("a.id")
          .where("a.project_id", "=", projectId)
          .whereRef("a.actor_id", "=", "u.id"),
      ),
    )
    .orderBy("u.name")
    .orderBy("u.id")
    .execute();

  const wanted = {
    users: new Set<number>(),
    keys: new Set<number>(),
    requests: new Set<number>(),
    nodes: new Set<number>(),
  };
  for (const r of items) {
    const ids = namedIds(r);
    for (const k of ["users", "keys", "requests", "nodes"] as const) for (const x of ids[k]) wanted[k].add(x);
  }
  const keys =
    wanted.keys.size === 0
      ? []
      : await db
          .selectFrom("api_keys as k")
          .innerJoin("api_key_templates as t", "t.id", "k.template_id")
          .select(["k.id", "t.name as templateName", "k.user_id as holderId"])
          .where("k.project_id", "=", projectId)
          .where("k.id", "in", [...wanted.keys])
          .execute();
  const requests =
    wanted.requests.size === 0
      ? []
      : await db
          .selectFrom("key_requests as r")
          .innerJoin("api_key_templates as t", "t.id", "r.template_id")
          .select(["r.id", "t.name as templateName", "r.user_id as userId"])
          .where("t.project_id", "=", projectId)
          .where("r.id", "in", [...wanted.requests])
          .execute();
  for (const k of keys) wanted.users.add(k.holderId);
  for (const r of requests) wanted.users.add(r.userId);
  const [users, nodes] = await Promise.all([
    wanted.users.size === 0
      ? []
      : db
          .selectFrom("users")
          .select(["id", "name", "email"])
          .where("id", "in", [...wanted.users])
          .execute(),
    wanted.nodes.size === 0
      ? []
      : db
          .selectFrom("nodes")
          .select(["id", "name", "kind"])
          .where("project_id", "=", projectId)
          .where("id", "in", [...wanted.nodes])
          .execute(),
  ]);

  return {
    page,
    hasMore: rows.length > PAGE_SIZE,
    items: items.map((r) => ({
      id: r.id,
      action: r.action,
      target: r.target,
      details: r.details,
      createdAt: r.created_at,
      actor:
        r.actor_id === null ? null : { id: r.actor_id, name: r.actor_name ?? "", email: r.actor_email ?? "" },
    })),
    actors,
    names: { users, nodes, keys, requests },
  };
}
