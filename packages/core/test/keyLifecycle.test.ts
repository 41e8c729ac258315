import { KEY_STATES, REQUEST_STATUSES } from "@keyflow/schemas";
import { describe, expect, test } from "vitest";
import { keyState } from "../src/apiKeys/lifecycle";
import { apiKeys, CoreError, mail } from "../src/index";

// The key and request state machine (SPEC §11–12) is one table in core; these tests read it.
const { KEY_TRANSITIONS, REQUEST_TRANSITIONS, assertKeyTransition, canTransitionKey, keyTransitionMessage } =
  apiKeys;

function refusal(fn: () => void): CoreError {
  try {
    fn();
  } catch (e) {
    if (e instanceof CoreError) return e;
    throw e;
  }
  throw new Error("expected a refusal");
}

describe("key lifecycle table", () => {
  test("every transition starts from and leads to known states, names real e-mails and audit actions", () => {
    for (const t of Object.values(KEY_TRANSITIONS)) {
      for (const s of t.from) expect(KEY_STATES).toContain(s);
      expect(KEY_STATES).toContain(t.to);
      for (const e of t.emails) expect(mail.isEmailTemplate(e.template)).toBe(true);
    }
    for (const t of Object.values(REQUEST_TRANSITIONS)) {
      expect(t.from).toEqual(["pending"]);
      expect(REQUEST_STATUSES).toContain(t.to);
      for (const e of t.emails) expect(mail.isEmailTemplate(e.template)).toBe(true);
    }
  });

  test("allowed moves: exactly the ones drawn in the diagram", () => {
    const allowed = Object.fromEntries(
      Object.keys(KEY_TRANSITIONS).map((name) => [
        name,
        KEY_STATES.filter((s) => canTransitionKey(name as keyof typeof KEY_TRANSITIONS, s)),
      ]),
    );
    expect(allowed).toEqual({
      roll: ["active"],
      suspend: ["active"],
      resume: ["suspended"],
      revoke: ["active", "suspended", "expired"],
      expire: ["active", "suspended"],
    });
    // revoked is final: nothing leaves it
    for (const name of Object.keys(KEY_TRANSITIONS))
      expect(canTransitionKey(name as keyof typeof KEY_TRANSITIONS, "revoked")).toBe(false);
  });

  test("who: suspend and resume are a manager's, revoke the holder's or a manager's", () => {
    expect(KEY_TRANSITIONS.suspend.by).toEqual(["manager"]);
    expect(KEY_TRANSITIONS.resume.by).toEqual(["manager"]);
    expect(KEY_TRANSITIONS.revoke.by).toContain("holder");
    expect(KEY_TRANSITIONS.revoke.by).toContain("manager");
    const e = refusal(() => assertKeyTransition("suspend", "active", ["holder"]));
    expect(e.code).toBe("FORBIDDEN");
    expect(e.message).toBe("Only a project manager can suspend a key");
    expect(() => assertKeyTransition("suspend", "active", ["manager"])).not.toThrow();
    expect(() => assertKeyTransition("revoke", "suspended", ["holder"])).not.toThrow();
  });

  test("an invalid transition is CONFLICT naming the current state", () => {
    const e = refusal(() => assertKeyTransition("resume", "revoked", ["manager"]));
    expect(e.code).toBe("CONFLICT");
    expect(e.message).toBe("The key is revoked; only a suspended key can be resumed");
    expect(keyTransitionMessage("suspend", "expired")).toBe(
      "The key is expired; only an active key can be suspended",
    );
    expect(keyTransitionMessage("resume", "active")).toBe("The key is already active");
    expect(keyTransitionMessage("suspend", "suspended")).toBe("The key is already suspended");
    expect(keyTransitionMessage("revoke", "revoked")).toBe("The key is already revoked");
    expect(keyTransitionMessage("roll", "suspended")).toBe(
      "The key is suspended; only an active key can be rolled",
    );
  });

  test("what each does: the cache is told on suspend, resume and revoke; secrets are flagged, never removed", () => {
    expect(KEY_TRANSITIONS.suspend.invalidatesKeyCache).toBe(true);
    expect(KEY_TRANSITIONS.resume.invalidatesKeyCache).toBe(true);
    expect(KEY_TRANSITIONS.revoke.invalidatesKeyCache).toBe(true);
    expect(KEY_TRANSITIONS.suspend.emails.map((e) => e.template)).toEqual(["key_suspended"]);
    expect(KEY_TRANSITIONS.resume.emails.map((e) => e.template)).toEqual(["key_resumed"]);
    expect(KEY_TRANSITIONS.suspend.secrets).toBe("flagged");
    expect(KEY_TRANSITIONS.suspend.audit).toBe("key.suspend");
    expect(KEY_TRANSITIONS.resume.audit).toBe("key.resume");
  });

  test("state of a row: revoked and expired win over a suspension", () => {
    const now = new Date("2026-06-01T00:00:00Z");
    const past = new Date("2026-05-01T00:00:00Z");
    const future = new Date("2026-07-01T00:00:00Z");
    const row = (r: Partial<Record<"revoked_at" | "expires_at" | "suspended_at", Date>>) => ({
      revoked_at: r.revoked_at ?? null,
      expires_at: r.expires_at ?? null,
      suspended_at: r.suspended_at ?? null,
    });
    expect(keyState(row({}), now)).toBe("active");
    expect(keyState(row({ expires_at: future }), now)).toBe("active");
    expect(keyState(row({ suspended_at: past }), now)).toBe("suspended");
    expect(keyState(row({ suspended_at: past, expires_at: past }), now)).toBe("expired");
    expect(keyState(row({ suspended_at: past, revoked_at: past }), now)).toBe("revoked");
  });
});
