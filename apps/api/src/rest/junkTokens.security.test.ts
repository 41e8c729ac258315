import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { generateToken } from "@keyflow/core";
import { createDb, createPool } from "@keyflow/db";
import type pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createHarness, type Harness, projectWithKey } from "../../test/harness";
import { createApp } from "../app";
import { createLucia } from "../auth/lucia";

// A real HTTP server, so every request comes from the same address (127.0.0.1), as the node jobs
// of one worker do; its pool counts key lookups (the query by token hash).
let h: Harness;
let pool: pg.Pool;
let app: ReturnType<typeof createApp>;
let server: ReturnType<typeof serve>;
let url: string;
let lookups = 0;

beforeAll(async () => {
  h = await createHarness();
  pool = createPool(h.database.url);
  pool.on("connect", (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    client.query = ((...args: unknown[]) => {
      const first = args[0] as string | { text?: string };
      const text = typeof first === "string" ? first : first?.text;
      if (text && /"token_hash" = \$1/.test(text)) lookups++;
      return query(...args);
    }) as typeof client.query;
  });
  app = createApp({ db: createDb(pool), pool, auth: createLucia(pool, false), config: h.config });
  server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise((resolve) => server.once("listening", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await app?.close();
  await pool?.end();
  await h?.close();
});

async function call(token: string, projectId: number) {
  const res = await fetch(`${url}/api/projects/${projectId}/data_layers/last`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: res.status, retryAfter: res.headers.get("retry-after"), body: await res.json() };
}

test("junk tokens from an address never lock out a valid key from that address, and cost no lookups beyond the limit", async () => {
  const used = await projectWithKey(h, { templateName: "Used" });
  const fresh = await projectWithKey(h, { templateName: "Fresh" });
  // one job's key is already in the cache, the other's was never seen by this process
  expect((await call(used.token, used.project.id)).status).toBe(200);

  // another job sends junk: well-formed tokens (valid checksum) that are no key
  const statuses: number[] = [];
  for (let i = 0; i < 60; i++) statuses.push((await call(generateToken(), used.project.id)).status);
  expect(statuses).toEqual(Array(60).fill(401));
  const junk = (n: number) =>
    Promise.all(Array.from({ length: n }, () => call(generateToken(), used.project.id)));
  expect((await junk(10)).map((r) => r.status)).toEqual(Array(10).fill(429));
  const refused = await call(generateToken(), used.project.id);
  expect(refused).toMatchObject({
    status: 429,
    body: { detail: "Too many invalid API keys from this address" },
  });
  expect(Number(refused.retryAfter)).toBeGreaterThan(0);

  // the address is throttled, yet the valid keys from it are served
  expect((await call(used.token, used.project.id)).status).toBe(200);
  expect(await call(fresh.token, fresh.project.id)).toMatchObject({
    status: 200,
    body: { id: expect.any(Number) },
  });
  // so is a key issued while the address is throttled
  const late = await projectWithKey(h, { templateName: "Late" });
  expect((await call(late.token, late.project.id)).status).toBe(200);

  // junk beyond the limit is still refused without a lookup each
  const before = lookups;
  expect((await junk(30)).map((r) => r.status)).toEqual(Array(30).fill(429));
  expect((await call("kf_malformed", used.project.id)).status).toBe(429);
  expect(lookups - before).toBe(0);
  // and a valid key still passes afterwards
  expect((await call(fresh.token, fresh.project.id)).status).toBe(200);
});
