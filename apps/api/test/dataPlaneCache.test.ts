import { waitFor } from "@keyflow/testing";
import { expect, test } from "vitest";
import { landJobResult, linkedService, projectWithKey } from "./harness";
import { type ApiProcess, useApiProcesses } from "./processes";
import { rest } from "./rest";

// What a key's data-plane checks read (grants, node, layer) is cached next to the key on every API
// process and dropped through the same LISTEN/NOTIFY path as revocation: a change made anywhere is
// refused everywhere within 1 s of its commit.

const cluster = useApiProcesses(2);

async function service() {
  const k = await projectWithKey(cluster.h);
  const node = await k.owner.client.graph.createNode.mutate({
    projectId: k.project.id,
    name: "results",
    kind: "data",
  });
  const search = (api: ApiProcess, query = "") =>
    searchOn<{ detail?: string; total?: number }>(api, k, node.id, {}, query);
  return { ...k, node, search };
}

/** `POST …/nodes/{nodeId}/packages/search` on one API process with the key. */
async function searchOn<Body>(
  api: ApiProcess,
  k: { token: string; project: { id: number } },
  nodeId: number,
  body: Record<string, unknown>,
  query = "",
) {
  const res = await fetch(`${api.url}/api/projects/${k.project.id}/nodes/${nodeId}/packages/search${query}`, {
    method: "POST",
    headers: { authorization: `Bearer ${k.token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Body };
}

/** Every API process answers `expected` within 1 s of `committedAt` (the change's commit). */
async function refusedEverywhere(
  committedAt: number,
  probe: (api: ApiProcess) => Promise<{ status: number; body: unknown }>,
  expected: { status: number; body: unknown },
) {
  const seen = await Promise.all(
    cluster.apis.map((api) =>
      waitFor(
        "the change to reach the API process",
        async () => {
          const r = await probe(api);
          return r.status === expected.status ? { ms: Date.now() - committedAt, body: r.body } : undefined;
        },
        { timeoutMs: Math.max(0, committedAt + 1_000 - Date.now()), intervalMs: 20 },
      ),
    ),
  );
  for (const s of seen) {
    expect(s.body).toEqual(expected.body);
    expect(s.ms).toBeLessThanOrEqual(1_000);
  }
  return seen.map((s) => s.ms);
}

test("a deleted node is not found on every API process within 1 s", async () => {
  const s = await service();
  // warm both processes' caches (key, grants, node, layer)
  for (const api of cluster.apis) for (let i = 0; i < 3; i++) expect((await s.search(api)).status).toBe(200);
  await s.owner.client.graph.deleteNode.mutate({ nodeId: s.node.id });
  const ms = await refusedEverywhere(Date.now(), (api) => s.search(api), {
    status: 404,
    body: { detail: "Node not found" },
  });
  console.log(`node deletion seen by the two API processes after ${ms.join(" ms and ")} ms`);
});

test("a deleted data layer is not found on every API process within 1 s", async () => {
  const s = await service();
  await s.owner.client.apiKeys.updateTemplate.mutate({ templateId: s.template.id, allowSharedLayers: true });
  const layer = await s.owner.client.dataLayers.create.mutate({
    projectId: s.project.id,
    name: "Scratch",
    kind: "shared",
  });
  const inLayer = `?data_layer_id=${layer.id}`;
  for (const api of cluster.apis)
    await waitFor("the key to use shared layers", async () => (await s.search(api, inLayer)).status === 200, {
      timeoutMs: 2_000,
    });
  await s.owner.client.dataLayers.delete.mutate({ dataLayerId: layer.id });
  const ms = await refusedEverywhere(Date.now(), (api) => s.search(api, inLayer), {
    status: 404,
    body: { detail: "Data layer not found" },
  });
  console.log(`layer deletion seen by the two API processes after ${ms.join(" ms and ")} ms`);
});

test("a role losing a permission is refused on every API process within 1 s", async () => {
  const s = await service();
  for (const api of cluster.apis) for (let i = 0; i < 3; i++) expect((await s.search(api)).status).toBe(200);
  await s.owner.client.roles.update.mutate({
    roleId: s.role.id,
    permissions: { project: ["project_view"], nodes: {} },
  });
  const ms = await refusedEverywhere(Date.now(), (api) => s.search(api), {
    status: 403,
    body: { detail: "Missing permission package_view in this project" },
  });
  console.log(`role change seen by the two API processes after ${ms.join(" ms and ")} ms`);
});

test("in steady state a key's read and its poll by master_id take no database round trip, a node's search one", async () => {
  const k = await projectWithKey(cluster.h, { templateName: "Steady" });
  const node = await k.owner.client.graph.createNode.mutate({
    projectId: k.project.id,
    name: "n",
    kind: "data",
  });
  const api = rest(cluster.h, { bearer: k.token });
  const last = `/api/projects/${k.project.id}/data_layers/last`;
  const search = `/api/projects/${k.project.id}/nodes/${node.id}/packages`;
  for (let i = 0; i < 3; i++) {
    expect((await api.post(search, { label: `p${i}` })).status).toBe(200);
    expect((await api.get(last)).status).toBe(200);
  }
  const all = await api.post(`${search}/search`, {});
  expect(all.body.total).toBe(3);
  // a page past the end still tells the total
  const past = await api.post(`${search}/search?page=3&page_size=2`, {});
  expect(past.body).toEqual({ total: 3, items: [] });
  const lineage = await api.post(`${search}/search`, { master_id: all.body.items[1].master_id });
  expect(lineage.body).toEqual({ total: 1, items: [all.body.items[1]] });

  let acquired = 0;
  const count = () => acquired++;
  cluster.h.pool.on("acquire", count);
  try {
    await cluster.h.app.services.usage.flush();
    acquired = 0;
    for (let i = 0; i < 20; i++) expect((await api.get(last)).status).toBe(200);
    // the usage buffer's flush (every 500 ms) may take one connection meanwhile
    expect(acquired).toBeLessThanOrEqual(1);
    await cluster.h.app.services.usage.flush();
    acquired = 0;
    // the first poll reads the lineage; the others are answered from memory
    for (let i = 0; i < 20; i++)
      expect((await api.post(`${search}/search`, { master_id: all.body.items[0].master_id })).body).toEqual({
        total: 1,
        items: [all.body.items[0]],
      });
    expect(acquired).toBeLessThanOrEqual(2);
    await cluster.h.app.services.usage.flush();
    acquired = 0;
    for (let i = 0; i < 20; i++) expect((await api.post(`${search}/search`, {})).status).toBe(200);
    expect(acquired).toBeGreaterThanOrEqual(20);
    expect(acquired).toBeLessThanOrEqual(21);
  } finally {
    cluster.h.pool.off("acquire", count);
  }
});

test("a job's result in a polled lineage reaches the polls on every API process within 1 s", async () => {
  const k = await linkedService(cluster.h, { templateName: "Polled" });
  const created = await rest(cluster.h, { bearer: k.token }).post(
    `/api/projects/${k.project.id}/nodes/${k.input.id}/packages`,
    { label: "job" },
  );
  const masterId = created.body.id as number;
  const poll = async (api: ApiProcess) =>
    (
      await searchOn<{ total: number; items: { label: string }[] }>(api, k, k.output.id, {
        master_id: masterId,
      })
    ).body;
  // warm both processes: the lineage's answer is kept on each
  for (const api of cluster.apis) for (let i = 0; i < 3; i++) expect((await poll(api)).total).toBe(1);
  // the result lands as the worker writes it: another connection, the general path
  await landJobResult(cluster.h, { masterId, nodeId: k.output.id, dataLayerId: k.layer, label: "result" });
  const committedAt = Date.now();
  const ms = await Promise.all(
    cluster.apis.map((api) =>
      waitFor(
        "the result in the API process's answer",
        async () => {
          const page = await poll(api);
          return page.total === 2 && page.items[0]?.label === "result" ? Date.now() - committedAt : undefined;
        },
        { timeoutMs: 1_000, intervalMs: 10 },
      ),
    ),
  );
  console.log(`a job's result reached the polls of the two API processes after ${ms.join(" ms and ")} ms`);
});
