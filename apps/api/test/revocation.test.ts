import { waitFor } from "@keyflow/testing";
import { expect, test } from "vitest";
import { projectWithKey } from "./harness";
import { type ApiProcess, startApiProcess, useApiProcesses } from "./processes";

const cluster = useApiProcesses(2);

test("revocation reaches every API process through LISTEN/NOTIFY, well before the cache's hard TTL", async () => {
  const k = await projectWithKey(cluster.h);
  const call = (api: ApiProcess) =>
    fetch(`${api.url}/api/projects/${k.project.id}/data_layers/last`, {
      headers: { authorization: `Bearer ${k.token}` },
    });
  // warm both caches
  for (const api of cluster.apis) expect((await call(api)).status).toBe(200);

  const revokedAt = Date.now();
  await k.owner.client.apiKeys.revoke.mutate({ keyId: k.keyId });
  const latencies = await Promise.all(
    cluster.apis.map((api) =>
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
  const k = await projectWithKey(cluster.h, { templateName: "Flushed" });
  const api = await startApiProcess({ databaseUrl: cluster.h.database.url, secret: cluster.h.config.secret });
  const n = 25;
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${api.url}/api/projects/${k.project.id}/data_layers/last`, {
      headers: { authorization: `Bearer ${k.token}` },
    });
    expect(res.status).toBe(200);
  }
  await api.stop();
  const { count } = await cluster.h.db
    .selectFrom("usage_events")
    .select((eb) => eb.fn.countAll<number>().as("count"))
    .where("key_id", "=", k.keyId)
    .executeTakeFirstOrThrow();
  expect(Number(count)).toBe(n);
});
