import { waitFor } from "@keyflow/testing";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createHarness, type Harness, projectWithKey } from "./harness";
import { type ApiProcess, startApiProcess } from "./processes";

let h: Harness;
let apis: ApiProcess[] = [];

beforeAll(async () => {
  h = await createHarness();
  const env = { databaseUrl: h.database.url, secret: h.config.secret };
  apis = await Promise.all([startApiProcess(env), startApiProcess(env)]);
});
afterAll(async () => {
  await Promise.all(apis.map((a) => a.stop()));
  await h.close();
});

test("revocation reaches every API process through LISTEN/NOTIFY, well before the cache's hard TTL", async () => {
  const k = await projectWithKey(h);
  const call = (api: ApiProcess) =>
    fetch(`${api.url}/api/projects/${k.project.id}/data_layers/last`, {
      headers: { authorization: `Bearer ${k.token}` },
    });
  // warm both caches
  for (const api of apis) expect((await call(api)).status).toBe(200);

  const revokedAt = Date.now();
  await k.owner.client.apiKeys.revoke.mutate({ keyId: k.keyId });
  const latencies = await Promise.all(
    apis.map((api) =>
      waitFor(
        "the revocation to reach the API process",
        async () => {
          const res = await call(api);
          return res.status === 401 ? { ms: Date.now() - revokedAt, body: await res.json() } : undefined;
        },
        // the backstop TTL is 60 s: anything far below it proves NOTIFY did the work
        { timeoutMs: 10_000, intervalMs: 20 },
      ),
    ),
  );
  for (const l of latencies) expect(l.body).toEqual({ detail: "API key revoked" });
  console.log(
    `revocation seen by the two API processes after ${latencies.map((l) => l.ms).join(" ms and ")} ms`,
  );
});

test("usage buffered by an API process is written when it shuts down", async () => {
  const k = await projectWithKey(h, { templateName: "Flushed" });
  const api = await startApiProcess({ databaseUrl: h.database.url, secret: h.config.secret });
  const n = 25;
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${api.url}/api/projects/${k.project.id}/data_layers/last`, {
      headers: { authorization: `Bearer ${k.token}` },
    });
    expect(res.status).toBe(200);
  }
  await api.stop();
  const { count } = await h.db
    .selectFrom("usage_events")
    .select((eb) => eb.fn.countAll<number>().as("count"))
    .where("key_id", "=", k.keyId)
    .executeTakeFirstOrThrow();
  expect(Number(count)).toBe(n);
});
