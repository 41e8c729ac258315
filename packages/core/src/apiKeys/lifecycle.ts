import type { KEY_STATES, REQUEST_STATUSES } from "@keyflow/schemas";
import { conflict, forbidden } from "../errors";
import type { EmailTemplateName } from "../mail";

/**
 * The life of a key request and of an API key, in one place (SPEC §11–12). Every function that
 * changes a request's status or a key's state consults these tables: which states a transition
 * starts from, who may make it, and what it does besides the state change. Invalid transitions are
 * CONFLICT naming the current state.
 *
 *   request:  pending ──approve──▶ approved (issues a key)
 *                     ──reject───▶ rejected
 *                     ──withdraw─▶ withdrawn
 *                     ──cancel───▶ cancelled (template deleted)
 *
 *   key:      active ──roll─────▶ active (new token; the old one works for a grace period)
 *             active ──suspend──▶ suspended ──resume──▶ active
 *             active | suspended | expired ──revoke──▶ revoked   (final)
 *             active | suspended ──expire──▶ expired   (time passing expires_at; only revoke follows,
 *                                                       which frees the one-active-key slot)
 */
export type KeyState = (typeof KEY_STATES)[number];
export type RequestState = (typeof REQUEST_STATUSES)[number];

/**
 * Who makes a transition: the key's holder (or the request's requester), a member of the key's
 * project holding `project_manage`, or the system (time, or a cascade such as deleting a template,
 * project or membership).
 */
export type Actor = "holder" | "manager" | "system";

export interface Transition<S extends string> {
  from: readonly S[];
  to: S;
  by: readonly Actor[];
  /** "suspend" → "suspended": how messages name it */
  verb: string;
  /** e-mails queued in the transaction of the change; `holder` / `managers` are the recipients */
  emails: readonly { template: EmailTemplateName; to: "holder" | "managers"; when?: string }[];
  /** NOTIFY on the key channel, so every API process drops its cached verification (within 1 s) */
  invalidatesKeyCache: boolean;
  /** what imported `<prefix>_*` secrets of the key show afterwards (their values are kept) */
  secrets: "unchanged" | "flagged" | "created-on-import" | "token-rewritten";
  audit: string | null;
}

export const REQUEST_TRANSITIONS = {
  approve: {
    from: ["pending"],
    to: "approved",
    by: ["manager", "system"],
    verb: "approve",
    // by the system: a template with `approval: "auto"` approves in the request's transaction
    emails: [
      { template: "key_approved", to: "holder" },
      { template: "key_auto_issued", to: "managers", when: "the template approves automatically" },
    ],
    invalidatesKeyCache: false,
    secrets: "created-on-import",
    audit: "key.approve",
  },
  reject: {
    from: ["pending"],
    to: "rejected",
    by: ["manager"],
    verb: "reject",
    emails: [{ template: "key_rejected", to: "holder" }],
    invalidatesKeyCache: false,
    secrets: "unchanged",
    audit: "key.reject",
  },
  withdraw: {
    from: ["pending"],
    to: "withdrawn",
    by: ["holder"],
    verb: "withdraw",
    emails: [{ template: "key_request_withdrawn", to: "managers" }],
    invalidatesKeyCache: false,
    secrets: "unchanged",
    audit: "key.withdraw",
  },
  cancel: {
    from: ["pending"],
    to: "cancelled",
    by: ["system"],
    verb: "cancel",
    emails: [
      { template: "key_request_cancelled", to: "holder", when: "the template or its project is deleted" },
    ],
    invalidatesKeyCache: false,
    secrets: "unchanged",
    audit: null,
  },
} as const satisfies Record<string, Transition<RequestState>>;

export const KEY_TRANSITIONS = {
  roll: {
    from: ["active"],
    to: "active",
    by: ["holder", "manager"],
    verb: "roll",
    emails: [{ template: "key_rolled", to: "holder" }],
    // the old token's cached verification carries its grace end; a grace of 0 must reach every process
    invalidatesKeyCache: true,
    // every imported `<prefix>_token` secret holds the new token, in the roll's transaction
    secrets: "token-rewritten",
    audit: "key.roll",
  },
  suspend: {
    from: ["active"],
    to: "suspended",
    by: ["manager"],
    verb: "suspend",
    emails: [{ template: "key_suspended", to: "holder" }],
    invalidatesKeyCache: true,
    secrets: "flagged",
    audit: "key.suspend",
  },
  resume: {
    from: ["suspended"],
    to: "active",
    by: ["manager"],
    verb: "resume",
    emails: [{ template: "key_resumed", to: "holder" }],
    invalidatesKeyCache: true,
    secrets: "unchanged",
    audit: "key.resume",
  },
  revoke: {
    from: ["active", "suspended", "expired"],
    to: "revoked",
    by: ["holder", "manager", "system"],
    verb: "revoke",
    // always, saying why: the holder did it, an owner did, or a template/project deletion or removal
    emails: [{ template: "key_revoked", to: "holder" }],
    invalidatesKeyCache: true,
    secrets: "flagged",
    audit: "key.revoke",
  },
  expire: {
    from: ["active", "suspended"],
    to: "expired",
    by: ["system"],
    verb: "expire",
    emails: [{ template: "key_expired", to: "holder", when: "the expiry task sees it (once)" }],
    // every cache entry carries expiresAt: the verifier refuses an expired key without being told
    invalidatesKeyCache: false,
    secrets: "flagged",
    audit: null,
  },
} as const satisfies Record<string, Transition<KeyState>>;

export type KeyTransitionName = keyof typeof KEY_TRANSITIONS;
export type RequestTransitionName = keyof typeof REQUEST_TRANSITIONS;

/** The state of a key row: revoked and expired are final and win over a suspension. */
export function keyState(
  k: { revoked_at: Date | null; expires_at: Date | null; suspended_at?: Date | null },
  now = new Date(),
): KeyState {
  if (k.revoked_at) return "revoked";
  if (k.expires_at && k.expires_at <= now) return "expired";
  if (k.suspended_at) return "suspended";
  return "active";
}

const article = (s: string) => (/^[aeiou]/.test(s) ? `an ${s}` : `a ${s}`);

/** "an active or suspended key", "a suspended key" */
function keysIn(states: readonly string[]): string {
  const words = states.length > 1 ? `${states.slice(0, -1).join(", ")} or ${states.at(-1)}` : states[0]!;
  return `${article(words)} key`;
}

/** Whether the table allows `name` from `state` (no throwing: for UIs and tests). */
export function canTransitionKey(name: KeyTransitionName, state: KeyState): boolean {
  return (KEY_TRANSITIONS[name].from as readonly KeyState[]).includes(state);
}

/** The message of an invalid key transition, naming the current state. */
export function keyTransitionMessage(name: KeyTransitionName, state: KeyState): string {
  const t = KEY_TRANSITIONS[name];
  // a roll starts and ends active: it is never "already" done
  if (state === t.to && name !== "roll") return `The key is already ${state}`;
  const done = t.verb === "resume" ? "resumed" : t.verb === "roll" ? "rolled" : t.to;
  return `The key is ${state}; only ${keysIn(t.from)} can be ${done}`;
}

/**
 * Throws unless `actors` (what the caller is to this key) may make the transition from `state`.
 * FORBIDDEN for the wrong actor (callers check project access first, so outsiders get NOT_FOUND),
 * CONFLICT naming the state for a transition the state does not allow.
 */
export function assertKeyTransition(
  name: KeyTransitionName,
  state: KeyState,
  actors: readonly Actor[],
): void {
  const t = KEY_TRANSITIONS[name];
  if (!actors.some((a) => (t.by as readonly Actor[]).includes(a)))
    throw forbidden(
      `Only ${t.by
        .filter((a) => a !== "system")
        .map((a) => (a === "holder" ? "the key's holder" : "a project manager"))
        .join(" or ")} can ${t.verb} a key`,
    );
  if (!canTransitionKey(name, state)) throw conflict(keyTransitionMessage(name, state));
}

/** The states a request transition starts from, for its conditional `… WHERE status IN (…)` update. */
export const requestFrom = (name: RequestTransitionName): RequestState[] => [
  ...REQUEST_TRANSITIONS[name].from,
];
