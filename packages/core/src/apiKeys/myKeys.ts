import type { Db } from "@keyflow/db";
import { RESERVED_FIELD_NAME } from "@keyflow/schemas";
import { resolveAccess } from "../access";
import { type Principal, requireUser } from "../principal";
import { usageTotals } from "../usage/source";
import { keysWithTemplate } from "./keys";
import { keyState } from "./lifecycle";

const TOKEN_SUFFIX = `_${RESERVED_FIELD_NAME}`;

/** Midnight UTC of the first day of `now`'s month: where "usage this month" starts. */
export function monthStartUtc(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

/** One import of a key: the project it was imported into and the prefix of its `<prefix>_*` secrets. */
export interface KeyImport {
  projectId: number;
  projectName: string;
  prefix: string;
  /** the caller manages that project (so they can open its Secrets page) */
  canManage: boolean;
}

/**
 * Where the caller's keys are imported: the `<prefix>_token` secrets whose source is one of them,
 * in projects the caller may still view (`project_view`, the rule of `loadAccess`); an import in a
 * project they lost access to, or one that was deleted, is not shown.
 */
async function keyImports(db: Db, principal: Principal, keyIds: number[]) {
  const byKey = new Map<number, KeyImport[]>();
  if (keyIds.length === 0) return byKey;
  const rows = await db
    .selectFrom("secrets as s")
    .innerJoin("projects as p", "p.id", "s.project_id")
    .select(["s.source_key_id", "s.name", "p.id as project_id", "p.name as project_name"])
    .where("s.source_key_id", "in", keyIds)
    .where("s.source_field", "=", RESERVED_FIELD_NAME)
    .where("p.deleted_at", "is", null)
    .orderBy("p.name")
    .orderBy("s.name")
    .execute();
  const access = new Map<number, { view: boolean; manage: boolean }>();
  for (const projectId of new Set(rows.map((r) => r.project_id))) {
    const a = await resolveAccess(db, principal, projectId);
    access.set(projectId, {
      view: a?.has("project_view") ?? false,
      manage: a?.has("project_manage") ?? false,
    });
  }
  for (const r of rows) {
    const seen = access.get(r.project_id);
    if (!seen?.view || r.source_key_id === null) continue;
    const list = byKey.get(r.source_key_id) ?? [];
    list.push({
      projectId: r.project_id,
      projectName: r.project_name,
      prefix: r.name.endsWith(TOKEN_SUFFIX) ? r.name.slice(0, -TOKEN_SUFFIX.length) : r.name,
      canManage: seen.manage,
    });
    byKey.set(r.source_key_id, list);
  }
  return byKey;
}

/**
 * The caller's keys from every project (SPEC §12 "My keys"), newest first; never the token. Each
 * with its state, expiry, last roll (and until when the old token works), usage this UTC month
 * and where it is imported.
 */
export async function myKeys(db: Db, principal: Principal, now = new Date()) {
  const userId = requireUser(principal);
  const keys = await keysWithTemplate(db)
    .select([
      "k.id",
      "k.project_id",
      "p.name as project_name",
      "k.template_id",
      "t.name as template_name",
      "k.token_start",
      "k.created_at",
      "k.expires_at",
      "k.revoked_at",
      "k.revoke_reason",
      "k.suspended_at",
      "k.suspend_reason",
      "k.rolled_at",
      "k.previous_token_until",
      "k.data_layer_id",
    ])
    .where("k.user_id", "=", userId)
    .orderBy("k.id", "desc")
    .execute();
  const ids = keys.map((k) => k.id);
  const monthStart = monthStartUtc(now);
  const [fields, usage, imports] = await Promise.all([
    ids.length
      ? db
          .selectFrom("api_key_template_fields")
          .select(["template_id", "name", "value"])
          .where(
            "template_id",
            "in",
            keys.map((k) => k.template_id),
          )
          .orderBy("id")
          .execute()
      : [],
    usageTotals(db, ids, monthStart, new Date(now.getTime() + 60_000)),
    keyImports(db, principal, ids),
  ]);
  return keys.map((k) => {
    const state = keyState(k, now);
    const used = usage.get(k.id);
    return {
      id: k.id,
      projectId: k.project_id,
      projectName: k.project_name,
      templateId: k.template_id,
      templateName: k.template_name,
      tokenStart: k.token_start,
      dataLayerId: k.data_layer_id,
      state,
      suspendReason: state === "suspended" ? k.suspend_reason : null,
      suspendedAt: state === "suspended" ? k.suspended_at : null,
      revokedAt: k.revoked_at,
      revokeReason: k.revoked_at ? k.revoke_reason : null,
      createdAt: k.created_at,
      expiresAt: k.expires_at,
      rolledAt: k.rolled_at,
      /** the old token's grace end after the last roll (null when never rolled) */
      previousTokenUntil: k.previous_token_until,
      usageThisMonth: {
        from: monthStart,
        requests: used?.requests ?? 0,
        errors: used?.errors ?? 0,
        cost: used?.cost ?? "0",
      },
      imports: imports.get(k.id) ?? [],
      fields: fields
        .filter((f) => f.template_id === k.template_id)
        .map((f) => ({ name: f.name, value: f.value })),
    };
  });
}
