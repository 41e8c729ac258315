import { createRoute, z } from "@hono/zod-openapi";
import { CoreError } from "@keyflow/core";
import { expect, test } from "vitest";
import { restRouter } from "./router";

// the request validator of every REST route, on a route of its own: what reaches the handler, and
// which part of a bad request is named first
const echoRoute = createRoute({
  method: "post",
  path: "/things/{thingId}",
  request: {
    params: z.object({ thingId: z.coerce.number().int().positive() }),
    query: z.object({
      tag: z.union([z.string(), z.array(z.string())]).optional(),
      limit: z.coerce.number().max(5).optional(),
    }),
    body: { content: { "application/json": { schema: z.object({ size: z.number().max(10) }) } } },
  },
  responses: { 200: { description: "What the handler was given" } },
});

const app = restRouter()
  .openapi(echoRoute, (c) =>
    c.json({ param: c.req.valid("param"), query: c.req.valid("query"), json: c.req.valid("json") }, 200),
  )
  .onError((err, c) =>
    err instanceof CoreError ? c.json({ detail: err.message }, 422) : c.json({ detail: err.message }, 500),
  );

const post = (path: string, body: string, contentType = "application/json") =>
  app.request(path, { method: "POST", body, headers: { "content-type": contentType } });

test("the handler gets the parsed path, query and body; a parameter given twice is an array", async () => {
  const res = await post("/things/7?tag=a&tag=b", JSON.stringify({ size: 3 }));
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ param: { thingId: 7 }, query: { tag: ["a", "b"] }, json: { size: 3 } });
  const once = await post("/things/7?tag=a", JSON.stringify({ size: 3 }));
  expect(((await once.json()) as { query: unknown }).query).toEqual({ tag: "a" });
});

test("bad input is a 422 naming the field: the query first, then the path, then the body", async () => {
  const bad = JSON.stringify({ size: 11 });
  const detail = async (path: string) => {
    const res = await post(path, bad);
    expect(res.status).toBe(422);
    return ((await res.json()) as { detail: string }).detail;
  };
  expect(await detail("/things/0?limit=9")).toMatch(/^limit: /);
  expect(await detail("/things/0?limit=1")).toMatch(/^thingId: /);
  expect(await detail("/things/7?limit=1")).toMatch(/^size: /);
});

test("a body that is not JSON reaches the schema as {} (jsonObjectBody refuses it before, on real routes)", async () => {
  const res = await post("/things/7", "size=3", "application/x-www-form-urlencoded");
  expect(res.status).toBe(422);
  expect(await res.json()).toEqual({ detail: expect.stringMatching(/^size: /) });
});

test("the route is in the OpenAPI document as declared", () => {
  const doc = app.getOpenAPI31Document({ openapi: "3.1.0", info: { title: "t", version: "1" } });
  const op = doc.paths?.["/things/{thingId}"]?.post;
  expect(op?.parameters?.map((p) => ("name" in p ? p.name : null))).toEqual(["thingId", "tag", "limit"]);
  expect(op?.requestBody).toMatchObject({ content: { "application/json": {} } });
});
