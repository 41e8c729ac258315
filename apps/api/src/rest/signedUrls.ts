import { apiKeys, forbidden, type Keyring, type Principal, unauthorized } from "@keyflow/core";
import type { Db } from "@keyflow/db";

const TTL_S = 600;

type Action = "files" | "uploads";

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
  action: Action,
  hash: string,
  subject: string,
): string {
  const exp = Math.floor(Date.now() / 1000) + TTL_S;
  const sig = keyring.mac("signed_url", `${action}:${hash}:${subject}:${exp}`);
  return `${appUrl}/api/${action}/${hash}?s=${subject}&e=${exp}&sig=${sig}`;
}

/**
 * Refuses a signed URL that is malformed, tampered with or expired (403), or that was issued to a
 * key which has since been revoked or has expired (401).
 */
export async function requireSignedUrl(
  db: Db,
  keyring: Keyring,
  action: Action,
  hash: string,
  q: { s?: string; e?: string; sig?: string },
): Promise<void> {
  if (!q.s || !q.e || !q.sig || !/^\d+$/.test(q.e)) throw forbidden("Missing or malformed signature");
  if (!keyring.verifyMac("signed_url", `${action}:${hash}:${q.s}:${q.e}`, q.sig))
    throw forbidden("Invalid signature");
  if (Number(q.e) < Date.now() / 1000) throw forbidden("This link has expired");
  if (q.s.startsWith("k") && !(await apiKeys.keyIsUsable(db, Number(q.s.slice(1)))))
    throw unauthorized("API key revoked");
}
