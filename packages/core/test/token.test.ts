import {
  ACCESS_TOKEN_PREFIX,
  API_KEY_LENGTH,
  API_KEY_PREFIX,
  TOKEN_ALPHABET,
  TOKEN_BODY_LENGTH,
  TOKEN_CHECK_LENGTH,
} from "@keyflow/schemas";
import { describe, expect, test } from "vitest";
import { generateToken, hashToken, isWellFormedToken, tokenHashHex, tokenStart } from "../src/index";

// Tokens (SPEC §7): prefix + 40 uniformly drawn base62 characters + their CRC32 in 6 base62
// characters, so secret scanners recognise them and a mistyped token is refused without a lookup.

const BODY_END = API_KEY_PREFIX.length + TOKEN_BODY_LENGTH;

/** The token with the character at `i` replaced by the next one of the alphabet. */
function typo(token: string, i: number): string {
  const next = TOKEN_ALPHABET[(TOKEN_ALPHABET.indexOf(token[i]!) + 1) % TOKEN_ALPHABET.length];
  return token.slice(0, i) + next + token.slice(i + 1);
}

describe("format", () => {
  test("an API key is kf_, then 46 characters of the base62 alphabet", () => {
    const token = generateToken();
    expect(token.startsWith("kf_")).toBe(true);
    expect(token).toHaveLength(API_KEY_LENGTH);
    expect(API_KEY_LENGTH).toBe(3 + 40 + 6);
    for (const c of token.slice(API_KEY_PREFIX.length)) expect(TOKEN_ALPHABET).toContain(c);
  });

  test("a personal access token has the same shape behind kfp_", () => {
    const token = generateToken(ACCESS_TOKEN_PREFIX);
    expect(token.startsWith("kfp_")).toBe(true);
    expect(token).toHaveLength(ACCESS_TOKEN_PREFIX.length + TOKEN_BODY_LENGTH + TOKEN_CHECK_LENGTH);
    expect(isWellFormedToken(token, ACCESS_TOKEN_PREFIX)).toBe(true);
    // each kind is refused where the other is expected
    expect(isWellFormedToken(token)).toBe(false);
    expect(isWellFormedToken(generateToken(), ACCESS_TOKEN_PREFIX)).toBe(false);
  });

  test("tokens never repeat", () => {
    const tokens = new Set(Array.from({ length: 1000 }, () => generateToken()));
    expect(tokens.size).toBe(1000);
  });

  test("no character is favoured: bytes that would bias the draw are discarded", () => {
    // 256 = 4 × 62 + 8: taking every byte modulo 62 would make the first 8 characters 25% likelier
    const counts = new Map<string, number>();
    for (let i = 0; i < 5000; i++)
      for (const c of generateToken().slice(API_KEY_PREFIX.length, BODY_END))
        counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(TOKEN_ALPHABET.length);
    const mean = (chars: string[]) => chars.reduce((s, c) => s + (counts.get(c) ?? 0), 0) / chars.length;
    const alphabet = [...TOKEN_ALPHABET];
    expect(mean(alphabet.slice(0, 8)) / mean(alphabet.slice(8))).toBeLessThan(1.1);
  });
});

describe("checksum", () => {
  test("every generated token is well formed", () => {
    for (let i = 0; i < 200; i++) expect(isWellFormedToken(generateToken())).toBe(true);
  });

  test("a one-character typo anywhere in the body is refused", () => {
    const token = generateToken();
    for (let i = API_KEY_PREFIX.length; i < BODY_END; i++)
      expect(isWellFormedToken(typo(token, i))).toBe(false);
  });

  test("a changed checksum is refused", () => {
    const token = generateToken();
    for (let i = BODY_END; i < token.length; i++) expect(isWellFormedToken(typo(token, i))).toBe(false);
  });

  test("a wrong prefix, a truncated or an extended token, or a foreign character is refused", () => {
    const token = generateToken();
    const rest = token.slice(API_KEY_PREFIX.length);
    expect(isWellFormedToken(`kx_${rest}`)).toBe(false);
    expect(isWellFormedToken(`KF_${rest}`)).toBe(false);
    expect(isWellFormedToken(rest)).toBe(false);
    expect(isWellFormedToken(token.slice(0, -1))).toBe(false);
    expect(isWellFormedToken(`${token}0`)).toBe(false);
    expect(isWellFormedToken(`${token.slice(0, 10)}-${token.slice(11)}`)).toBe(false);
    expect(isWellFormedToken("")).toBe(false);
  });
});

describe("hashToken", () => {
  test("is deterministic, 32 bytes, and differs between tokens", () => {
    const token = generateToken();
    expect(hashToken(token)).toHaveLength(32);
    expect(hashToken(token).equals(hashToken(token))).toBe(true);
    expect(hashToken(token).equals(hashToken(typo(token, 5)))).toBe(false);
  });

  test("tokenHashHex is the same hash, so the in-memory cache and the database agree on a key", () => {
    const token = generateToken();
    expect(tokenHashHex(token)).toBe(hashToken(token).toString("hex"));
    expect(tokenHashHex(typo(token, 5))).not.toBe(tokenHashHex(token));
  });
});

describe("tokenStart", () => {
  test("shows the prefix and the first 4 characters, never more", () => {
    const token = generateToken();
    expect(tokenStart(token)).toBe(token.slice(0, 7));
    expect(tokenStart(token)).toMatch(/^kf_[0-9A-Za-z]{4}$/);
    const personal = generateToken(ACCESS_TOKEN_PREFIX);
    expect(tokenStart(personal, ACCESS_TOKEN_PREFIX)).toMatch(/^kfp_[0-9A-Za-z]{4}$/);
  });
});
