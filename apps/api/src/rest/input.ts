import { badRequest, CoreError, parse } from "@keyflow/core";
import type { Context } from "hono";
import { z } from "zod";

export const MAX_JSON_BYTES = 1024 * 1024;

export const intParam = (name: string) =>
  z
    .string({ error: `${name}: is required` })
    .regex(/^\d{1,9}$/, "must be a positive integer")
    .transform(Number)
    .refine((n) => n > 0, "must be a positive integer");

/** Path and query parameters, validated with the same messages as bodies ("page_size: …" → 422). */
export function params<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  return parse(schema, { ...c.req.query(), ...c.req.param() });
}

/**
 * A JSON object body. REST bodies must be application/json (no form posts from other sites), at
 * most 1 MiB; an empty body counts as `{}`.
 */
export async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  const type = c.req.header("content-type") ?? "";
  const text = await c.req.text();
  if (text.trim() === "") return {};
  if (!/^application\/json\b/i.test(type)) throw badRequest("body", "Content-Type must be application/json");
  if (Buffer.byteLength(text) > MAX_JSON_BYTES)
    throw new CoreError("PAYLOAD_TOO_LARGE", "body: must be at most 1 MiB");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest("body", "is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw badRequest("body", "must be a JSON object");
  return value as Record<string, unknown>;
}
