import type { Db } from "@keyflow/db";
import type { QuotaPeriod, RateLimitMode, RequestQuestion } from "@keyflow/schemas";
import { usageTotals } from "../usage/source";
import { keyState } from "./lifecycle";
import { REJECTION_COOLDOWN_MS } from "./requests";

export type TileState =
  | "available"
  | "waiting"
  | "confirmed"
  | "suspended"
  | "rejected"
  | "revoked"
  | "expired";

export interface KeyTile {
  templateId: number;
  name: string;
  description: string;
  roleName: string;
  pricePerRequest: string;
  rateLimitPerMinute: number | null;
  /** over the rate limit: refused (429) or held until it fits (SPEC §13) */
  rateLimitMode: RateLimitMode;
  quota: { requests: number; period: QuotaPeriod } | null;
  /** "auto": REQUEST issues the key at once (SPEC §12) */
  approval: "manual" | "auto";
  /** what the REQUEST dialog asks */
  requestQuestions: RequestQuestion[];
  state: TileState;
  /** waiting: the pending request, so it can be withdrawn */
  requestId?: number;
  requestedAt?: Date;
  /** rejected: the owner's reason */
  reason?: string;
  decidedAt?: Date | null;
  /** rejected: when REQUEST becomes possible again (the cooldown's end; may be past) */
  retryAt?: Date | null;
  /** suspended: the manager's reason and when */
  suspendReason?: string;
  suspendedAt?: Date;
  /** confirmed or suspended: the issued key (never its token) */
  key?: {
    id: number;
    tokenStart: string;
    createdAt: Date;
    expiresAt: Date | null;
    fields: { name: string; description: string; value: string }[];
    usage: { requests: number; cost: string };
  };
}

/**
 * One tile per live template for the About page, in the caller's state (SPEC §3.2). Signed-out
 * visitors (userId null) see every tile as available.
 */
export async function keyTiles(db: Db, projectId: number, userId: number | null): Promise<KeyTile[]> {
  const templates = await db
    .selectFrom("api_key_templates as t")
    .leftJoin("roles as r", "r.id", "t.role_id")
    .select([
      "t.id",
      "t.name",
      "t.description",
      "t.price_per_request",
      "t.rate_limit_per_minute",
      "t.rate_limit_mode",
      "t.quota_requests",
      "t.quota_period",
      "t.approval",
      "t.request_questions",
      "r.name as role_name",
    ])
    .where("t.project_id", "=", projectId)
    .where("t.deleted_at", "is", null)
    .orderBy("t.id")
    .execute();
  if (templates.length === 0) return [];
  const templateIds = templates.map((t) => t.id);
  const [requests, keys, fields] = await Promise.all([
    userId === null
      ? []
      : db
          .selectFrom("key_requests")
          .select(["id", "template_id", "status", "reason", "created_at", "decided_at"])
          .where("user_id", "=", userId)
          .where("template_id", "in", templateIds)
          .orderBy("id", "desc")
          .execute(),
    userId === null
      ? []
      : db
          .selectFrom("api_keys")
          .select([
            "id",
            "template_id",
            "created_at",
            "expires_at",
            "revoked_at",
            "suspended_at",
            "suspend_reason",
            "token_start",
          ])
          .where("user_id", "=", userId)
          .where("template_id", "in", templateIds)
          .orderBy("id", "desc")
          .execute(),
    db
      .selectFrom("api_key_template_fields")
      .select(["template_id", "name", "description", "value"])
      .where("template_id", "in", templateIds)
      .orderBy("id")
      .execute(),
  ]);
  const held = (k: (typeof keys)[number]) => keyState(k) === "active" || keyState(k) === "suspended";
  const activeKeyIds = keys.filter(held).map((k) => k.id);
  const usage = await usageTotals(db, activeKeyIds, new Date(0), new Date(Date.now() + 60_000));

  return templates.map((t): KeyTile => {
    const lastRequest = requests.find((r) => r.template_id === t.id);
    const lastKey = keys.find((k) => k.template_id === t.id);
    const base = {
      templateId: t.id,
      name: t.name,
      description: t.description,
      roleName: t.role_name ?? "",
      pricePerRequest: t.price_per_request,
      rateLimitPerMinute: t.rate_limit_per_minute,
      rateLimitMode: t.rate_limit_mode,
      quota:
        t.quota_requests !== null && t.quota_period !== null
          ? { requests: t.quota_requests, period: t.quota_period }
          : null,
      approval: t.approval,
      requestQuestions: t.request_questions,
    };
    if (lastKey && held(lastKey)) {
      const u = usage.get(lastKey.id);
      const suspended = lastKey.suspended_at !== null;
      return {
        ...base,
        state: suspended ? "suspended" : "confirmed",
        ...(suspended && { suspendReason: lastKey.suspend_reason ?? "", suspendedAt: lastKey.suspended_at! }),
        key: {
          id: lastKey.id,
          tokenStart: lastKey.token_start,
          createdAt: lastKey.created_at,
          expiresAt: lastKey.expires_at,
          fields: fields
            .filter((f) => f.template_id === t.id)
            .map((f) => ({ name: f.name, description: f.description, value: f.value })),
          usage: { requests: u?.requests ?? 0, cost: u?.cost ?? "0" },
        },
      };
    }
    if (lastRequest?.status === "pending")
      return { ...base, state: "waiting", requestId: lastRequest.id, requestedAt: lastRequest.created_at };
    // the latest event decides: a key that ended after the last request, or the request's outcome
    const keyEnded = lastKey && (!lastRequest || lastKey.created_at >= lastRequest.created_at);
    if (keyEnded) return { ...base, state: keyState(lastKey) === "expired" ? "expired" : "revoked" };
    if (lastRequest?.status === "rejected")
      return {
        ...base,
        state: "rejected",
        reason: lastRequest.reason,
        decidedAt: lastRequest.decided_at,
        retryAt: lastRequest.decided_at
          ? new Date(lastRequest.decided_at.getTime() + REJECTION_COOLDOWN_MS)
          : null,
      };
    return { ...base, state: "available" };
  });
}
