import { apiKeys } from "@keyflow/core";
import { waitFor } from "@keyflow/testing";
import { expect, test } from "vitest";
import { projectWithKey } from "./harness";
import { type ApiProcess, useApiProcesses } from "./processes";

// Roll across processes (SPEC §12): the roll is made by the harness's in-process API; two separate
// API processes, with warm key caches, learn of it by LISTEN/NOTIFY, and refuse the old token once
// its grace is over from the grace end each cached entry carries.
const cluster = useApiProcesses(2);
const ROLLED = { detail: "API key rolled: use the new token" };

const call = (api: ApiProcess, projectId: number, token: string) =>
  fetch(`${api.url}/api/projects/${projectId}/data_layers/last`, {
    headers: { authorization: `Bearer ${token}` },
  });

/** Polls every process until `token` gets `status`; the latency counts from `since`. */
const seenEverywhere = (projectId: number, token: string, since: number, status: number) =>
  Promise.all(
    cluster.apis.map((api) =>
      waitFor(
        `HTTP ${status} from the API process`,
        async () => {
          const res = await call(api, projectId, token);
          return res.status === status ? { ms: Date.now() - since, body: await res.json() } : undefined;
        },
        { timeoutMs: 10_000, intervalMs: 20 },
      ),
    ),
  );

test("holder roll with a grace: old and new token work on every process; after the grace only the new one, within 1 s", async () => {
  const k = await projectWithKey(cluster.h);
  const p = k.project.id;
  // warm both caches with the old token: without NOTIFY they would keep its old verification
  for (const api of cluster.apis) expect((await call(api, p, k.token)).status).toBe(200);

  const rolled = await k.holder.client.apiKeys.roll.mutate({ keyId: k.keyId, graceMinutes: 60 });
  const token = rolled.token!;
  for (const api of cluster.apis) {
    expect((await call(api, p, token)).status).toBe(200);
    expect((await call(api, p, k.token)).status).toBe(200);
  }

  // a short grace, set in the database rather than waited for; the processes re-read the key (as
  // after the roll itself) and cache the old token's verification with its new grace end
  const graceEnd = Date.now() + 2_500;
  await cluster.h.db.transaction().execute(async (trx) => {
    await trx
      .updateTable("api_keys")
      .set({ previous_token_until: new Date(graceEnd) })
      .where("id", "=", k.keyId)
      .execute();
    await apiKeys.keysChanged(trx, { keyIds: [k.keyId] });
  });
  await waitFor(
    "both processes to cache the short grace",
    async () => {
      for (const api of cluster.apis) if ((await call(api, p, k.token)).status !== 200) return undefined;
      return true;
    },
    { timeoutMs: 5_000, intervalMs: 20 },
  );
  expect(Date.now()).toBeLessThan(graceEnd);

  // no NOTIFY at the grace end: each process refuses from its cached grace end
  const refused = await seenEverywhere(p, k.token, graceEnd, 401);
  for (const r of refused) {
    expect(r.body).toEqual(ROLLED);
    expect(r.ms).toBeLessThan(1000);
  }
  for (const api of cluster.apis) expect((await call(api, p, token)).status).toBe(200);
  console.log(`rolled token refused ${refused.map((r) => r.ms).join(" and ")} ms after its grace ended`);
});

test("owner roll (grace 0): the old token is refused at once on every process; the revealed new one works", async () => {
  const k = await projectWithKey(cluster.h);
  const p = k.project.id;
  for (const api of cluster.apis) expect((await call(api, p, k.token)).status).toBe(200);

  expect(await k.owner.client.apiKeys.roll.mutate({ keyId: k.keyId })).toEqual({
    id: k.keyId,
    oldTokenUntil: null,
  });
  // from the acknowledgement, which follows the commit (see suspension.test.ts)
  const rolledAt = Date.now();
  const refused = await seenEverywhere(p, k.token, rolledAt, 401);
  for (const r of refused) {
    expect(r.body).toEqual(ROLLED);
    expect(r.ms).toBeLessThan(1000);
  }
  console.log(`owner's roll refused the old token after ${refused.map((r) => r.ms).join(" and ")} ms`);
  const { token } = await k.holder.client.apiKeys.reveal.mutate({ keyId: k.keyId });
  for (const api of cluster.apis) expect((await call(api, p, token)).status).toBe(200);

  // the refused calls are usage events of the key, outcome denied
  await Promise.all(cluster.apis.map((a) => a.stop()));
  cluster.apis = [];
  const events = await cluster.h.db
    .selectFrom("usage_events")
    .select(["status", "outcome"])
    .where("key_id", "=", k.keyId)
    .execute();
  const denied = events.filter((e) => e.status === 401);
  expect(denied.length).toBeGreaterThanOrEqual(2);
  for (const e of denied) expect(e.outcome).toBe("denied");
});
