import { badRequest } from "@keyflow/core";
import { jsonProblem } from "@keyflow/schemas";
import { createMiddleware } from "hono/factory";

/** REST bodies are at most 1 MiB, refused with 413 while they stream in (bodyLimit in index.ts). */
export const MAX_JSON_BYTES = 1024 * 1024;

/** A Content-Type every validator downstream takes as it is. */
const PLAIN_JSON = /^application\/json(;\s*charset=utf-8)?$/i;

/**
 * Runs before a route's zod body validator. Bodies must be JSON (no form posts from other sites)
 * and one object, nested at most `MAX_JSON_DEPTH` deep (the validator and core walk it recursively);
 * an empty body counts as `{}` whatever its Content-Type. Failures are 422 naming the body, where
 * the validator would answer 400 or 415.
 */
export const jsonObjectBody = createMiddleware(async (c, next) => {
  const text = await c.req.raw.text();
  const empty = text.trim() === "";
  const contentType = c.req.header("content-type") ?? "";
  let value: unknown;
  if (!empty) {
    if (!/^application\/json\b/i.test(contentType))
      throw badRequest("body", "Content-Type must be application/json");
    try {
      value = JSON.parse(text);
    } catch {
      throw badRequest("body", "is not valid JSON");
    }
    if (typeof value !== "object" || value === null || Array.isArray(value))
      throw badRequest("body", "must be a JSON object");
    const problem = jsonProblem(value, { storable: false });
    if (problem) throw badRequest("body", problem);
  }
  if (!empty && PLAIN_JSON.test(contentType)) {
    // what clients send: the validator takes the value parsed here (no second read or parse)
    c.req.json = <T>() => Promise.resolve(value as T);
    await next();
    return;
  }
  // else the validator reads the body again: hand it the checked text, typed as JSON
  const headers = new Headers(c.req.raw.headers);
  headers.set("content-type", "application/json");
  headers.delete("content-length");
  c.req.raw = new Request(c.req.raw, { body: empty ? "{}" : text, headers });
  await next();
});
