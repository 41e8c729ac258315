import { type Database, type Db, sql, type Transaction } from "@keyflow/db";
import {
  approveInput,
  listRequestsInput,
  type RequestQuestion,
  rejectInput,
  requestIdInput,
  requestKeyInput,
} from "@keyflow/schemas";
import type { z } from "zod";
import { loadAccess, resolveAccess } from "../access";
import { recordAudit } from "../audit";
import type { Keyring } from "../crypto";
import { badRequest, conflict, isUniqueViolation, notFound, tooManyRequests } from "../errors";
import { enqueueEmail, enqueueEmailToUser } from "../mail";
import { type Principal, requireUser } from "../principal";
import { parse } from "../validate";
import { issueKey } from "./issue";
import { REQUEST_TRANSITIONS, requestFrom } from "./lifecycle";

const DAILY_REQUESTS_PER_PROJECT = 10;
/** After a rejection the same user may ask for the same template again after this long (SPEC §11). */
export const REJECTION_COOLDOWN_MS = 24 * 3600_000;

/**
 * A live template the caller may request: they can view the project, or it is public and they are
 * signed in. Anything else is NOT_FOUND. The template and project rows are locked (`for share`)
 * until the caller's transaction ends: a deletion or change in flight is waited for and then seen
 * (a deleted template is refused); one that comes later waits for the request, then cancels it or
 * revokes its key, so no request or key outlives them.
 */
async function requestableTemplate(trx: Transaction<Database>, principal: Principal, templateId: number) {
  const t = await trx
    .selectFrom("api_key_templates as t")
    .innerJoin("projects as p", "p.id", "t.project_id")
    .select([
      "t.id",
      "t.name",
      "t.project_id",
      "t.approval",
      "t.request_questions",
      "p.name as project_name",
      "p.is_public",
    ])
    .where("t.id", "=", templateId)
    .where("t.deleted_at", "is", null)
    .where("p.deleted_at", "is", null)
    .forShare()
    .executeTakeFirst();
  if (!t) throw notFound("API key template");
  const access = await resolveAccess(trx, principal, t.project_id);
  if (!access?.has("project_view") && !t.is_public) throw notFound("API key template");
  return t;
}

/** 5400 → "2 hours", 90 → "2 minutes": a wait in words, rounded up (messages never carry ISO times). */
function inWords(seconds: number): string {
  const hours = Math.ceil(seconds / 3600);
  if (hours > 1) return `${hours} hours`;
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  return minutes === 1 ? "1 minute" : `${minutes} minutes`;
}

async function assertMayRequest(db: Db, userId: number, projectId: number, templateId: number) {
  const active = await db
    .selectFrom("api_keys")
    .select(["id", "suspended_at"])
    .where("user_id", "=", userId)
    .where("template_id", "=", templateId)
    .where("revoked_at", "is", null)
    .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", new Date())]))
    .executeTakeFirst();
  if (active?.suspended_at)
    throw conflict("Your key from this template is suspended; the project's owner can resume it");
  if (active) throw conflict("You already hold an active key from this template");

  const rejected = await db
    .selectFrom("key_requests")
    .select("decided_at")
    .where("user_id", "=", userId)
    .where("template_id", "=", templateId)
    .where("status", "=", "rejected")
    .where("decided_at", ">", new Date(Date.now() - REJECTION_COOLDOWN_MS))
    .orderBy("decided_at", "desc")
    .executeTakeFirst();
  if (rejected?.decided_at) {
    const retryAt = new Date(rejected.decided_at.getTime() + REJECTION_COOLDOWN_MS);
    const seconds = Math.ceil((retryAt.getTime() - Date.now()) / 1000);
    throw tooManyRequests(
      `Your last request was rejected; you can ask again in ${inWords(seconds)}`,
      seconds,
    );
  }

  const today = await db
    .selectFrom("key_requests")
    .select(sql<number>`count(*)`.as("n"))
    .where("user_id", "=", userId)
    .where("project_id", "=", projectId)
    .where("created_at", ">", new Date(Date.now() - 24 * 3600_000))
    .executeTakeFirstOrThrow();
  if (today.n >= DAILY_REQUESTS_PER_PROJECT) {
    throw tooManyRequests(
      `At most ${DAILY_REQUESTS_PER_PROJECT} key requests per project per day; try again tomorrow`,
      3600,
    );
  }
}

/** Members holding project_manage: they are told about new requests. */
async function managers(db: Db, projectId: number) {
  return db
    .selectFrom("member_roles as mr")
    .innerJoin("roles as r", "r.id", "mr.role_id")
    .innerJoin("users as u", "u.id", "mr.user_id")
    .select(["u.id", "u.email"])
    .distinct()
    .where("mr.project_id", "=", projectId)
    .where(sql<boolean>`'project_manage' = any(r.permissions)`)
    .execute();
}

/**
 * The requester's answers checked against the template's questions: an unknown id or a missing
 * required answer is BAD_REQUEST naming it (lengths are the input schema's). Blank optional
 * answers are dropped; the rest are stored trimmed.
 */
function checkAnswers(questions: RequestQuestion[], given: Record<string, string> = {}) {
  for (const id of Object.keys(given))
    if (!questions.some((q) => q.id === id))
      throw badRequest(`answers.${id}`, "is not a question of this template");
  const answers: Record<string, string> = {};
  for (const q of questions) {
    const a = given[q.id]?.trim() ?? "";
    if (a !== "") answers[q.id] = a;
    else if (q.required) throw badRequest(`answers.${q.id}`, `an answer to "${q.text}" is required`);
  }
  return answers;
}

/** The questions with their answers, in the template's order (e-mails show them so). */
const answeredQuestions = (questions: RequestQuestion[], answers: Record<string, string>) =>
  questions.map((q) => ({ question: q.text, answer: answers[q.id] ?? "" }));

export interface RequestResult {
  id: number;
  status: string;
  createdAt: Date;
  /** true when the template approves automatically: the key exists already (`keyId`) */
  issued: boolean;
  keyId?: number;
}

/** The user's pending request for the template, as requestKey answers it. */
async function pendingRequest(
  db: Db,
  userId: number,
  templateId: number,
): Promise<RequestResult | undefined> {
  const r = await db
    .selectFrom("key_requests")
    .select(["id", "status", "created_at"])
    .where("user_id", "=", userId)
    .where("template_id", "=", templateId)
    .where("status", "=", "pending")
    .executeTakeFirst();
  return r && { id: r.id, status: r.status, createdAt: r.created_at, issued: false };
}

/**
 * Asks for a key. A second request while one is pending returns the pending one. A template with
 * `approval: "auto"` approves the request and issues the key in the same transaction (SPEC §12):
 * the request row is approved by the system, the requester gets `key_approved` and the managers
 * `key_auto_issued` instead of `key_requested`.
 */
export async function requestKey(
  db: Db,
  principal: Principal,
  input: z.input<typeof requestKeyInput>,
  keyring?: Keyring,
): Promise<RequestResult> {
  const data = parse(requestKeyInput, input);
  const userId = requireUser(principal);
  const message = data.message?.trim() ?? "";

  return db
    .transaction()
    .execute(async (trx): Promise<RequestResult> => {
      const t = await requestableTemplate(trx, principal, data.templateId);
      const answers = checkAnswers(t.request_questions, data.answers);
      const pending = await pendingRequest(trx, userId, t.id);
      if (pending) return pending;
      await assertMayRequest(trx, userId, t.project_id, t.id);
      const auto = t.approval === "auto";
      if (auto && !keyring) throw new Error("requestKey: an auto-approving template needs the keyring");
      const now = new Date();
      const req = await trx
        .insertInto("key_requests")
        .values({
          project_id: t.project_id,
          template_id: t.id,
          user_id: userId,
          message,
          answers: JSON.stringify(answers),
          // auto: approved by the system (no deciding user) in this very transaction
          ...(auto
            ? { status: REQUEST_TRANSITIONS.approve.to, decided_at: now }
            : { status: "pending" as const }),
        })
        .returning(["id", "status", "created_at"])
        .executeTakeFirstOrThrow();
      const requester = await trx
        .selectFrom("users")
        .select(["name", "email"])
        .where("id", "=", userId)
        .executeTakeFirstOrThrow();
      const recipients = await managers(trx, t.project_id);
      await recordAudit(trx, {
        projectId: t.project_id,
        actorId: userId,
        action: "key.request",
        target: t.name,
        details: {
          requestId: req.id,
          notified: recipients.length,
          ...(auto && { auto: true }),
          ...(recipients.length === 0 && { note: "no member holds project_manage" }),
        },
      });
      const result = { id: req.id, status: req.status, createdAt: req.created_at };
      if (auto) {
        const { keyId } = await issueApproved(trx, keyring!, "system", {
          requestId: req.id,
          projectId: t.project_id,
          projectName: t.project_name,
          templateId: t.id,
          templateName: t.name,
          userId,
        });
        return { ...result, issued: true, keyId };
      }
      for (const m of recipients) {
        await enqueueEmail(trx, {
          to: m.email,
          template: "key_requested",
          data: {
            projectId: t.project_id,
            projectName: t.project_name,
            templateName: t.name,
            requesterName: requester.name,
            requesterEmail: requester.email,
            message,
            ...(t.request_questions.length > 0 && {
              answers: answeredQuestions(t.request_questions, answers),
            }),
          },
        });
      }
      return { ...result, issued: false };
    })
    .catch(async (e) => {
      // a concurrent duplicate lost the race for the one-pending index: answer like the winner
      if (isUniqueViolation(e, "key_requests_one_pending")) {
        const winner = await pendingRequest(db, userId, data.templateId);
        if (winner) return winner;
      }
      throw e;
    });
}

/** Explains why a conditional update on a request matched nothing. */
async function alreadyDecided(db: Db, requestId: number) {
  const r = await db
    .selectFrom("key_requests as k")
    .leftJoin("users as u", "u.id", "k.decided_by")
    .select(["k.status", "u.name"])
    .where("k.id", "=", requestId)
    .executeTakeFirst();
  return conflict(
    r
      ? `This request was already ${r.status}${r.name ? ` by ${r.name}` : ""}`
      : "This request no longer exists",
  );
}

/**
 * The requester takes back a pending request. In the same transaction every manager of the
 * project is e-mailed, so the owner is not left looking for a request that vanished.
 */
export async function withdrawRequest(db: Db, principal: Principal, input: z.input<typeof requestIdInput>) {
  const { requestId } = parse(requestIdInput, input);
  const userId = requireUser(principal);
  const mine = await db
    .selectFrom("key_requests as k")
    .innerJoin("api_key_templates as t", "t.id", "k.template_id")
    .innerJoin("projects as p", "p.id", "k.project_id")
    .innerJoin("users as u", "u.id", "k.user_id")
    .select([
      "k.id",
      "k.project_id",
      "k.template_id",
      "t.name as template_name",
      "p.name as project_name",
      "u.name as user_name",
      "u.email as user_email",
    ])
    .where("k.id", "=", requestId)
    .where("k.user_id", "=", userId)
    .executeTakeFirst();
  if (!mine) throw notFound("Request");
  return db.transaction().execute(async (trx) => {
    const r = await trx
      .updateTable("key_requests")
      .set({ status: REQUEST_TRANSITIONS.withdraw.to, decided_by: userId, decided_at: new Date() })
      .where("id", "=", requestId)
      .where("status", "in", requestFrom("withdraw"))
      .returning(["id", "decided_at"])
      .executeTakeFirst();
    if (!r) throw await alreadyDecided(trx, requestId);
    const recipients = await managers(trx, mine.project_id);
    for (const m of recipients) {
      await enqueueEmail(trx, {
        to: m.email,
        template: "key_request_withdrawn",
        data: {
          projectId: mine.project_id,
          projectName: mine.project_name,
          templateName: mine.template_name,
          requesterName: mine.user_name,
          requesterEmail: mine.user_email,
        },
      });
    }
    await recordAudit(trx, {
      projectId: mine.project_id,
      actorId: userId,
      action: REQUEST_TRANSITIONS.withdraw.audit,
      target: String(requestId),
      details: { template: mine.template_name, notified: recipients.length },
    });
    return { id: requestId, status: "withdrawn" as const, withdrawnAt: r.decided_at };
  });
}

export async function listRequests(db: Db, principal: Principal, input: z.input<typeof listRequestsInput>) {
  const data = parse(listRequestsInput, input);
  (await loadAccess(db, principal, data.projectId)).require("project_manage");
  let q = db
    .selectFrom("key_requests as k")
    .innerJoin("api_key_templates as t", "t.id", "k.template_id")
    .innerJoin("users as u", "u.id", "k.user_id")
    .select([
      "k.id",
      "k.template_id",
      "t.name as template_name",
      "u.id as user_id",
      "u.name as user_name",
      "u.email as user_email",
      "k.message",
      "k.answers",
      "t.request_questions",
      "t.key_ttl_days",
      "t.max_ttl_days",
      "k.status",
      "k.reason",
      "k.created_at",
      "k.decided_at",
    ])
    .where("k.project_id", "=", data.projectId);
  const { status, withdrawnSince } = data;
  if (status && withdrawnSince) {
    // the open view: what is pending, and what was withdrawn lately (so it does not just vanish)
    q = q.where((eb) =>
      eb.or([
        eb("k.status", "=", status),
        eb.and([eb("k.status", "=", "withdrawn"), eb("k.decided_at", ">=", withdrawnSince)]),
      ]),
    );
  } else if (status) q = q.where("k.status", "=", status);
  const rows = await q.orderBy("k.id", "desc").limit(500).execute();
  return rows.map((r) => ({
    id: r.id,
    templateId: r.template_id,
    templateName: r.template_name,
    user: { id: r.user_id, name: r.user_name, email: r.user_email },
    message: r.message,
    /** answers by question id; `questions` (the template's, current) labels them */
    answers: r.answers,
    questions: r.request_questions,
    /** the template's lifetimes, so an approval can offer an expiry within the cap */
    keyTtlDays: r.key_ttl_days,
    maxTtlDays: r.max_ttl_days,
    status: r.status,
    reason: r.reason,
    createdAt: r.created_at,
    decidedAt: r.decided_at,
  }));
}

/** A request of a project the caller manages; NOT_FOUND otherwise. */
async function managedRequest(db: Db, principal: Principal, requestId: number) {
  const r = await db
    .selectFrom("key_requests as k")
    .innerJoin("api_key_templates as t", "t.id", "k.template_id")
    .innerJoin("projects as p", "p.id", "k.project_id")
    .select([
      "k.id",
      "k.project_id",
      "k.template_id",
      "k.user_id",
      "t.name as template_name",
      "p.name as project_name",
    ])
    .where("k.id", "=", requestId)
    .executeTakeFirst();
  if (!r) throw notFound("Request");
  (await loadAccess(db, principal, r.project_id, "Request")).require("project_manage");
  return r;
}

interface ApprovedRequest {
  requestId: number;
  projectId: number;
  projectName: string;
  templateId: number;
  templateName: string;
  userId: number;
}

/**
 * What the approve transition does once the request row is approved, inside its transaction, for
 * a manager's approval and the system's (an auto-approving template) alike: the key is issued with
 * the holder's personal data layer (its lifetime from issue.ts, `expiresAt` if one was chosen),
 * the approval and the issue audited, the holder e-mailed `key_approved`; by the system the
 * managers are e-mailed `key_auto_issued` as well (lifecycle.ts, approve).
 */
async function issueApproved(
  trx: Transaction<Database>,
  keyring: Keyring,
  by: { actorId: number } | "system",
  r: ApprovedRequest,
  expiresAt?: Date,
) {
  const key = await issueKey(trx, keyring, {
    requestId: r.requestId,
    templateId: r.templateId,
    userId: r.userId,
    projectId: r.projectId,
    ...(expiresAt && { expiresAt }),
  });
  const actorId = by === "system" ? null : by.actorId;
  const auto = by === "system" ? { auto: true } : {};
  await recordAudit(trx, {
    projectId: r.projectId,
    actorId,
    action: REQUEST_TRANSITIONS.approve.audit,
    target: r.templateName,
    details: { requestId: r.requestId, userId: r.userId, ...auto },
  });
  await recordAudit(trx, {
    projectId: r.projectId,
    actorId,
    action: "key.issue",
    target: r.templateName,
    details: { keyId: key.id, userId: r.userId, ...auto },
  });
  const mailData = { projectId: r.projectId, projectName: r.projectName, templateName: r.templateName };
  await enqueueEmailToUser(trx, r.userId, "key_approved", mailData);
  if (by === "system") {
    const requester = await trx
      .selectFrom("users")
      .select(["name", "email"])
      .where("id", "=", r.userId)
      .executeTakeFirstOrThrow();
    for (const m of await managers(trx, r.projectId))
      await enqueueEmail(trx, {
        to: m.email,
        template: "key_auto_issued",
        data: { ...mailData, requesterName: requester.name, requesterEmail: requester.email },
      });
  }
  return { keyId: key.id, expiresAt: key.expires_at };
}

/**
 * A manager approves, in one transaction: the request becomes approved and the key is issued
 * (issueApproved). `expiresAt` sets the key's expiry, never past the template's cap.
 */
export async function approveRequest(
  db: Db,
  principal: Principal,
  input: z.input<typeof approveInput>,
  keyring: Keyring,
) {
  const { requestId, expiresAt } = parse(approveInput, input);
  const actorId = requireUser(principal);
  const r = await managedRequest(db, principal, requestId);
  return db.transaction().execute(async (trx) => {
    const approved = await trx
      .updateTable("key_requests")
      .set({
        status: REQUEST_TRANSITIONS.approve.to,
        decided_by: actorId,
        decided_at: new Date(),
        expires_at: expiresAt ?? null,
      })
      .where("id", "=", requestId)
      .where("status", "in", requestFrom("approve"))
      .returning("id")
      .executeTakeFirst();
    if (!approved) throw await alreadyDecided(trx, requestId);
    const key = await issueApproved(
      trx,
      keyring,
      { actorId },
      {
        requestId,
        projectId: r.project_id,
        projectName: r.project_name,
        templateId: r.template_id,
        templateName: r.template_name,
        userId: r.user_id,
      },
      expiresAt,
    );
    return { requestId, ...key };
  });
}

export async function rejectRequest(db: Db, principal: Principal, input: z.input<typeof rejectInput>) {
  const { requestId, reason } = parse(rejectInput, input);
  const actorId = requireUser(principal);
  const r = await managedRequest(db, principal, requestId);
  return db.transaction().execute(async (trx) => {
    const rejected = await trx
      .updateTable("key_requests")
      .set({
        status: REQUEST_TRANSITIONS.reject.to,
        reason: reason?.trim() ?? "",
        decided_by: actorId,
        decided_at: new Date(),
      })
      .where("id", "=", requestId)
      .where("status", "in", requestFrom("reject"))
      .returning("id")
      .executeTakeFirst();
    if (!rejected) throw await alreadyDecided(trx, requestId);
    await recordAudit(trx, {
      projectId: r.project_id,
      actorId,
      action: REQUEST_TRANSITIONS.reject.audit,
      target: r.template_name,
      details: { requestId, reason },
    });
    await enqueueEmailToUser(trx, r.user_id, "key_rejected", {
      projectId: r.project_id,
      projectName: r.project_name,
      templateName: r.template_name,
      reason: reason?.trim() ?? "",
    });
    return { id: requestId, status: "rejected" as const };
  });
}
