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
const noNul = (s: string) => !s.includes("\0");

/** A text value PostgreSQL can store (text columns refuse NUL). */
export const text = () => z.string().refine(noNul, NUL_MESSAGE);

/** A required, trimmed name of at most `max` characters. */
export const name = (max: number) =>
  z
    .string()
    .trim()
    .min(1, "is required")
    .max(max, `must be at most ${max} characters`)
    .refine(noNul, NUL_MESSAGE);

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
  .refine(
    (p) => p.split("/").every((s) => s !== "" && s !== "." && s !== ".."),
    "must not contain empty, . or .. segments",
  );

// an escaped NUL (\u0000) not itself preceded by an escaped backslash: jsonb refuses it
const JSON_NUL = /(^|[^\\])(\\\\)*\\u0000/;

/** A JSON object of at most `maxBytes` as JSON text, storable as jsonb. */
export const jsonObject = (maxBytes: number, sizeMessage: string) =>
  z.record(z.string(), z.unknown()).superRefine((v, ctx) => {
    const json = JSON.stringify(v);
    if (utf8Length(json) > maxBytes) ctx.addIssue({ code: "custom", message: sizeMessage });
    else if (JSON_NUL.test(json)) ctx.addIssue({ code: "custom", message: NUL_MESSAGE });
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
