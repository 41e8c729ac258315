import { z } from "zod";

/** Ids are PostgreSQL `integer`s: anything outside 1 … 2³¹−1 is refused where it is parsed. */
export const MAX_ID = 2_147_483_647;
export const id = z
  .number()
  .int("must be an integer")
  .min(1, "must be a positive integer")
  .max(MAX_ID, `must be at most ${MAX_ID}`);

/** UTF-8 byte length without allocating (this runs on every package field set). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

export const NUL_MESSAGE = "must not contain NUL characters";
export const SURROGATE_MESSAGE = "must not contain unpaired UTF-16 surrogates";
const noNul = (s: string) => !s.includes("\0");
// a high surrogate not followed by a low one, or a low one not preceded by a high one
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** UTF-8 (and so PostgreSQL) cannot hold a lone surrogate: the driver would store U+FFFD instead. */
export const wellFormed = (s: string) => !LONE_SURROGATE.test(s);

/** What keeps PostgreSQL from storing `s` as text, or null. */
export function textProblem(s: string): string | null {
  if (!noNul(s)) return NUL_MESSAGE;
  if (!wellFormed(s)) return SURROGATE_MESSAGE;
  return null;
}

/** A text value PostgreSQL can store (text columns refuse NUL; UTF-8 has no lone surrogates). */
export const text = () => z.string().refine(noNul, NUL_MESSAGE).refine(wellFormed, SURROGATE_MESSAGE);

/** A required, trimmed name of at most `max` characters. */
export const name = (max: number) =>
  z
    .string()
    .trim()
    .min(1, "is required")
    .max(max, `must be at most ${max} characters`)
    .refine(noNul, NUL_MESSAGE)
    .refine(wellFormed, SURROGATE_MESSAGE);

export const MAX_DESCRIPTION = 10_000;
export const description = text().max(MAX_DESCRIPTION, `must be at most ${MAX_DESCRIPTION} characters`);

/** Plain-text messages between users (request message, rejection reason). */
export const MAX_MESSAGE = 1000;
export const message = text().max(MAX_MESSAGE, `must be at most ${MAX_MESSAGE} characters`);

/** Latin letters, digits, underscore: field names, secret names, import prefixes. */
export const IDENTIFIER = /^[A-Za-z0-9_]+$/;
export const IDENTIFIER_MESSAGE = "may contain only Latin letters, digits and underscore";
export const identifier = (max: number) =>
  z
    .string()
    .trim()
    .min(1, "is required")
    .max(max, `must be at most ${max} characters`)
    .regex(IDENTIFIER, IDENTIFIER_MESSAGE);

/** A relative path inside a node or package: no leading "/", no "." or ".." segments, no "\". */
export const filePath = z
  .string()
  .min(1, "is required")
  .max(255, "must be at most 255 characters")
  .refine((p) => !p.startsWith("/"), "must be relative (no leading /)")
  .refine((p) => !/[\\\0]/.test(p), "must not contain \\ or NUL characters")
  .refine(wellFormed, SURROGATE_MESSAGE)
  .refine(
    (p) => p.split("/").every((s) => s !== "" && s !== "." && s !== ".."),
    "must not contain empty, . or .. segments",
  );

/** Nesting limit of JSON bodies and values: deeper ones would overflow recursive walkers. */
export const MAX_JSON_DEPTH = 64;
export const DEPTH_MESSAGE = `is nested too deeply (at most ${MAX_JSON_DEPTH} levels)`;

/**
 * The first thing wrong with a parsed JSON value, or null: nesting deeper than `MAX_JSON_DEPTH`
 * and, with `storable`, what jsonb cannot hold (NUL or lone surrogates in keys and strings, values
 * that are not JSON). Iterative, so a hostile value cannot overflow the stack checking it.
 */
export function jsonProblem(value: unknown, { storable }: { storable: boolean }): string | null {
  const stack: [unknown, number][] = [[value, 0]];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [v, depth] = next;
    if (typeof v === "string") {
      const problem = storable ? textProblem(v) : null;
      if (problem) return problem;
      continue;
    }
    if (v === null || v === undefined || typeof v === "boolean") continue;
    if (typeof v === "number") {
      if (storable && !Number.isFinite(v)) return "must contain only finite numbers";
      continue;
    }
    const isArray = Array.isArray(v);
    const proto = typeof v === "object" ? Object.getPrototypeOf(v) : undefined;
    if (!isArray && proto !== Object.prototype && proto !== null) {
      if (storable) return "must contain only JSON values";
      continue;
    }
    if (depth >= MAX_JSON_DEPTH) return DEPTH_MESSAGE;
    if (isArray) for (const child of v) stack.push([child, depth + 1]);
    else
      for (const key of Object.keys(v as object)) {
        const problem = storable ? textProblem(key) : null;
        if (problem) return `keys ${problem}`;
        stack.push([(v as Record<string, unknown>)[key], depth + 1]);
      }
  }
  return null;
}

/** A JSON object of at most `maxBytes` as JSON text, storable as jsonb. */
export const jsonObject = (maxBytes: number, sizeMessage: string) =>
  z.record(z.string(), z.unknown()).superRefine((v, ctx) => {
    const problem = jsonProblem(v, { storable: true });
    // stringified only once known to be shallow and plain
    if (problem) ctx.addIssue({ code: "custom", message: problem });
    else if (utf8Length(JSON.stringify(v)) > maxBytes) ctx.addIssue({ code: "custom", message: sizeMessage });
  });

export const SHA256_HEX = /^[0-9a-f]{64}$/;
export const sha256Hex = z.string().regex(SHA256_HEX, "must be a lowercase SHA-256 hex digest");

/** Page sizes of every paginated list (tRPC and REST). */
export const MAX_PAGE_SIZE = 100;
export const pageNumber = z.number().int().min(1, "must be at least 1").max(1_000_000);
export const pageSize = z
  .number()
  .int()
  .min(1, `must be between 1 and ${MAX_PAGE_SIZE}`)
  .max(MAX_PAGE_SIZE, `must be between 1 and ${MAX_PAGE_SIZE}`);
