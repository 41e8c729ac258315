import type { Keyring, Principal } from "@keyflow/core";

const TTL_S = 600;

/** Who a signed URL was issued to: its key (so revocation ends it), its user, or a visitor. */
export function subjectOf(p: Principal): string {
  if (p.kind === "apiKey") return `k${p.keyId}`;
  if (p.kind === "user") return `u${p.userId}`;
  return "a";
}

/**
 * Short-lived URLs that work without an Authorization header (the RnDFlow client downloads with a
 * bare session): HMAC over action, object hash, subject and expiry.
 */
export function signUrl(
  keyring: Keyring,
  appUrl: string,
  action: "files" | "uploads",
  hash: string,
  subject: string,
): string {
  const exp = Math.floor(Date.now() / 1000) + TTL_S;
  const sig = keyring.mac("signed_url", `${action}:${hash}:${subject}:${exp}`);
  return `${appUrl}/api/${action}/${hash}?s=${subject}&e=${exp}&sig=${sig}`;
}

export type SignedCheck = { ok: true; subject: string } | { ok: false; reason: string };

export function checkSignedUrl(
  keyring: Keyring,
  action: "files" | "uploads",
  hash: string,
  q: { s?: string; e?: string; sig?: string },
): SignedCheck {
  if (!q.s || !q.e || !q.sig || !/^\d+$/.test(q.e))
    return { ok: false, reason: "Missing or malformed signature" };
  if (!keyring.verifyMac("signed_url", `${action}:${hash}:${q.s}:${q.e}`, q.sig))
    return { ok: false, reason: "Invalid signature" };
  if (Number(q.e) < Date.now() / 1000) return { ok: false, reason: "This link has expired" };
  return { ok: true, subject: q.s };
}
