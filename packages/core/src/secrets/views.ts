import { type Db, sql } from "@keyflow/db";
import type { Access } from "../access";
import { type KeyState, keyState } from "../apiKeys/keys";
import { notFound } from "../errors";

export interface SecretView {
  id: number;
  projectId: number;
  name: string;
  description: string;
  type: "variable";
  /** Nodes that may read the secret (for a code_view-only caller: only nodes where they hold code_view). */
  nodeIds: number[];
  /** The API key an imported secret came from; null for ordinary secrets and for non-managers. */
  sourceKeyId: number | null;
  /**
   * State of the source key of an imported secret (null for ordinary secrets). A source key that
   * no longer exists, or whose template or project was deleted, counts as revoked.
   */
  sourceKeyState: KeyState | null;
  /** When the source key of an imported secret expires (null: never, or an ordinary secret). */
  sourceKeyExpiresAt: Date | null;
  /** "token" for the key's token, else the information field's name; null for ordinary secrets. */
  sourceField: string | null;
  /** Never revealed (imported tokens). */
  writeOnly: boolean;
  /** null for non-managers, or when the creator's account is gone. */
  createdBy: { id: number; name: string } | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Secrets of one project (optionally only some), in name order, with key states and access lists. */
export async function secretViews(db: Db, projectId: number, secretIds?: number[]): Promise<SecretView[]> {
  if (secretIds?.length === 0) return [];
  let q = db
    .selectFrom("secrets as s")
    .leftJoin("api_keys as k", "k.id", "s.source_key_id")
    .leftJoin("api_key_templates as t", "t.id", "k.template_id")
    .leftJoin("projects as p", "p.id", "k.project_id")
    .leftJoin("users as u", "u.id", "s.created_by")
    .select([
      "s.id",
      "s.project_id",
      "s.name",
      "s.description",
      "s.type",
      "s.source_key_id",
      "s.source_field",
      "s.write_only",
      "s.created_by",
      "s.created_at",
      "s.updated_at",
      "u.name as creator_name",
      "k.revoked_at",
      "k.expires_at",
      "k.suspended_at",
      sql<boolean>`coalesce(t.deleted_at is not null or p.deleted_at is not null, false)`.as("key_gone"),
    ])
    .where("s.project_id", "=", projectId);
  if (secretIds) q = q.where("s.id", "in", secretIds);
  const rows = await q.orderBy(sql`lower(s.name)`).orderBy("s.id").execute();
  if (rows.length === 0) return [];
  const grants = await db
    .selectFrom("secret_nodes")
    .select(["secret_id", "node_id"])
    .where(
      "secret_id",
      "in",
      rows.map((r) => r.id),
    )
    .orderBy("node_id")
    .execute();
  const now = new Date();
  return rows.map((r) => {
    let sourceKeyState: KeyState | null = null;
    if (r.source_key_id !== null)
      sourceKeyState = r.key_gone
        ? "revoked"
        : keyState(
            {
              revoked_at: r.revoked_at ?? null,
              expires_at: r.expires_at ?? null,
              suspended_at: r.suspended_at ?? null,
            },
            now,
          );
    else if (r.source_field !== null) sourceKeyState = "revoked"; // the key row itself is gone
    return {
      id: r.id,
      projectId: r.project_id,
      name: r.name,
      description: r.description,
      type: r.type,
      nodeIds: grants.filter((g) => g.secret_id === r.id).map((g) => g.node_id),
      sourceKeyId: r.source_key_id,
      sourceKeyState,
      sourceKeyExpiresAt: r.source_key_id !== null ? (r.expires_at ?? null) : null,
      sourceField: r.source_field,
      writeOnly: r.write_only,
      createdBy: r.created_by === null ? null : { id: r.created_by, name: r.creator_name ?? "" },
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  });
}

export async function secretView(db: Db, projectId: number, secretId: number): Promise<SecretView> {
  const [view] = await secretViews(db, projectId, [secretId]);
  if (!view) throw notFound("Secret");
  return view;
}

/**
 * What a caller with `code_view` but without `project_manage` may see: only secrets granted to a
 * node where they hold `code_view`, access lists cut down to those nodes, no source key or creator.
 */
export function namesOnly(views: SecretView[], access: Access): SecretView[] {
  return views
    .map((s) => ({
      ...s,
      nodeIds: s.nodeIds.filter((n) => access.hasOnNode("code_view", n)),
      sourceKeyId: null,
      createdBy: null,
    }))
    .filter((s) => s.nodeIds.length > 0);
}
