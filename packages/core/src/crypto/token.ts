import { createHash, randomBytes } from "node:crypto";
import { crc32 } from "node:zlib";

// SPEC §7: kf_ + 40 base62 CSPRNG characters (≈238 bits) + CRC32 of those 40 in base62, padded to 6.
const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const PREFIX = "kf_";
const BODY_LENGTH = 40;
const CHECK_LENGTH = 6;
export const TOKEN_LENGTH = PREFIX.length + BODY_LENGTH + CHECK_LENGTH;
const SHAPE = new RegExp(`^${PREFIX}[0-9A-Za-z]{${BODY_LENGTH + CHECK_LENGTH}}$`);

function base62(n: number, width: number): string {
  let out = "";
  let rest = n;
  do {
    out = ALPHABET[rest % 62] + out;
    rest = Math.floor(rest / 62);
  } while (rest > 0);
  return out.padStart(width, "0");
}

function checksum(body: string): string {
  return base62(crc32(body) >>> 0, CHECK_LENGTH);
}

/** A new token. Bytes ≥ 248 are discarded so every character is uniformly distributed. */
export function generateToken(): string {
  let body = "";
  while (body.length < BODY_LENGTH) {
    for (const byte of randomBytes(BODY_LENGTH)) {
      if (byte < 248 && body.length < BODY_LENGTH) body += ALPHABET[byte % 62];
    }
  }
  return PREFIX + body + checksum(body);
}

/** Shape and checksum only: rejects typos and junk without a database lookup. */
export function isWellFormedToken(token: string): boolean {
  if (!SHAPE.test(token)) return false;
  const body = token.slice(PREFIX.length, PREFIX.length + BODY_LENGTH);
  return token.slice(PREFIX.length + BODY_LENGTH) === checksum(body);
}

/** The lookup key stored in the database; plain tokens are never compared or stored. */
export function hashToken(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}

/** What the UI may show to tell keys apart: "kf_AbC1…". */
export const tokenStart = (token: string) => token.slice(0, PREFIX.length + 4);
