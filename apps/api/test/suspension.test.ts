import { waitFor } from "@keyflow/testing";
import { expect, test } from "vitest";
import { projectWithKey } from "./harness";
import { type ApiProcess, useApiProcesses } from "./processes";

// Suspend / resume across processes (SPEC §12): the change is made by the harness's in-process API;
// two separate API processes, with warm key caches, learn of it only by LISTEN/NOTIFY.
const cluster = useApiProcesses(2);

test("suspend → 403 with the reason on every API process within 1 s; resume → 200 again, statistics continuous", async () => {
  const k = await projectWithKey(cluster.h);
  const call = (api: ApiProcess) =>
    fetch(`${api.url}/api/projects/${k.project.id}/data_layers/last`, {
      headers: { authorization: `Bearer ${k.token}` },
    });
  // warm both caches: without NOTIFY they would keep answering 200 for the hard TTL (60 s)
  for (const api of cluster.apis) expect((await call(api)).status).toBe(200);

  /** Polls every process until `status`; the latency counts from just before the change's commit. */
  const seenEverywhere = (since: number, status: number) =>
    Promise.all(
      cluster.apis.map((api) =>
        waitFor(
          `HTTP ${status} from the API process`,
          async () => {
            const res = await call(api);
            return res.status === status ? { ms: Date.now() - since, body: await res.json() } : undefined;
          },
          { timeoutMs: 10_000, intervalMs: 20 },
        ),
      ),
    );

  const reason = "Unpaid invoice for November";
  // the mutation answers right after its transaction committed: the latency counts from that
  // acknowledgement, as in dataPlaneCache.test.ts (from before the call it would also count the
  // mutation's own time, which on a busy machine is most of it)
  await k.owner.client.apiKeys.suspend.mutate({ keyId: k.keyId, reason });
  const suspendedAt = Date.now();
  const suspended = await seenEverywhere(suspendedAt, 403);
  for (const s of suspended) {
    expect(s.body).toEqual({ detail: `API key suspended: ${reason}` });
    expect(s.ms).toBeLessThan(1000);
  }

  await k.owner.client.apiKeys.resume.mutate({ keyId: k.keyId });
  const resumedAt = Date.now();
  const resumed = await seenEverywhere(resumedAt, 200);
  for (const r of resumed) expect(r.ms).toBeLessThan(1000);
  console.log(
    `suspension seen after ${suspended.map((s) => s.ms).join(" and ")} ms, resumption after ${resumed
      .map((r) => r.ms)
      .join(" and ")} ms`,
  );

  // every call, refused or not, is a usage event of the same key (outcome denied for the 403s)
  await Promise.all(cluster.apis.map((a) => a.stop()));
  cluster.apis = [];
  const events = await cluster.h.db
    .selectFrom("usage_events")
    .select(["status", "outcome"])
    .where("key_id", "=", k.keyId)
    .execute();
  expect(events.filter((e) => e.status === 200).length).toBeGreaterThanOrEqual(4);
  const refused = events.filter((e) => e.status === 403);
  expect(refused.length).toBeGreaterThanOrEqual(2);
  for (const e of refused) expect(e.outcome).toBe("denied");
});
