import fs from "node:fs";
import path from "node:path";
import { serve } from "@hono/node-server";
import { freePort } from "@keyflow/db/embedded";
import { waitFor } from "@keyflow/testing";
import { type RunningWorker, startWorker } from "@keyflow/worker";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type Client, createHarness, type Harness } from "./harness";

// The README's "Use a key from node code" examples, run for real as node scripts.
const examples = path.resolve(import.meta.dirname, "../../../docs/examples");
const example = (name: string) => fs.readFileSync(path.join(examples, name), "utf8");

let h: Harness;
let worker: RunningWorker;
let server: ReturnType<typeof serve>;

beforeAll(async () => {
  h = await createHarness();
  // node jobs call the API over HTTP, like any client
  const port = await freePort();
  server = serve({ fetch: h.app.fetch, port, hostname: "127.0.0.1" });
  worker = await startWorker({
    databaseUrl: h.database.url,
    appUrl: `http://127.0.0.1:${port}`,
    secret: h.config.secret,
  });
});
afterAll(async () => {
  await worker?.stop();
  server?.close();
  await h.close();
});

/** Project A: input data node → compute node doubling x → output data node, and a key template. */
async function serviceProject(owner: Client) {
  const project = await owner.projects.create.mutate({ name: "Doubling service", isPublic: true });
  const input = await owner.graph.createNode.mutate({ projectId: project.id, name: "input", kind: "data" });
  const double = await owner.graph.createNode.mutate({
    projectId: project.id,
    name: "double",
    kind: "compute",
    runtime: "python",
    entry: "main.py",
  });
  await owner.graph.putFile.mutate({ nodeId: double.id, path: "main.py", content: example("double.py") });
  const output = await owner.graph.createNode.mutate({ projectId: project.id, name: "output", kind: "data" });
  await owner.graph.createLink.mutate({ projectId: project.id, fromNodeId: input.id, toNodeId: double.id });
  await owner.graph.createLink.mutate({ projectId: project.id, fromNodeId: double.id, toNodeId: output.id });
  const role = await owner.roles.create.mutate({
    projectId: project.id,
    name: "Client",
    permissions: { project: ["project_view", "package_view", "package_create"], nodes: {} },
  });
  const template = await owner.apiKeys.createTemplate.mutate({
    projectId: project.id,
    name: "Doubler",
    roleId: role.id,
  });
  const fieldId = (name: string) => template.fields.find((f) => f.name === name)!.id;
  await owner.apiKeys.updateField.mutate({ fieldId: fieldId("input"), nodeId: input.id });
  await owner.apiKeys.updateField.mutate({ fieldId: fieldId("output"), nodeId: output.id });
  await owner.apiKeys.updateTemplate.mutate({ templateId: template.id, pricePerRequest: "0.5" });
  return { project, template };
}

async function jobsOf(client: Client, nodeId: number) {
  return client.jobs.list.query({ nodeId });
}

async function finishedJob(client: Client, nodeId: number, count: number) {
  return waitFor(
    `${count} finished job(s) of node ${nodeId}`,
    async () => {
      const jobs = await jobsOf(client, nodeId);
      const done = jobs.filter((j) => !["queued", "running"].includes(j.state));
      return done.length >= count ? client.jobs.get.query({ jobId: done[0]!.id }) : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  );
}

test("a node of project B calls service project A with an imported key, until A revokes it", async () => {
  const a = await h.user("Service owner");
  const b = await h.user("Consumer");
  const service = await serviceProject(a.client);

  // B asks for a key and A approves it
  const request = await b.client.apiKeys.request.mutate({
    templateId: service.template.id,
    message: "for project B",
  });
  const { keyId } = await a.client.apiKeys.approve.mutate({ requestId: request.id });

  // B imports it into project B as server_* secrets and grants two compute nodes (Python and JavaScript)
  const consumer = await b.client.projects.create.mutate({ name: "Consumer" });
  const imported = await b.client.secrets.importApiKey.mutate({
    projectId: consumer.id,
    keyId,
    prefix: "server",
  });
  expect(imported.map((s) => s.name).sort()).toEqual([
    "server_input",
    "server_output",
    "server_project",
    "server_token",
  ]);
  const py = await b.client.graph.createNode.mutate({
    projectId: consumer.id,
    name: "ask (python)",
    kind: "compute",
    runtime: "python",
    entry: "main.py",
  });
  await b.client.graph.putFile.mutate({ nodeId: py.id, path: "main.py", content: example("use_key.py") });
  const js = await b.client.graph.createNode.mutate({
    projectId: consumer.id,
    name: "ask (node)",
    kind: "compute",
    runtime: "node",
    entry: "main.js",
  });
  await b.client.graph.putFile.mutate({ nodeId: js.id, path: "main.js", content: example("use_key.js") });
  for (const secret of imported)
    await b.client.secrets.setNodes.mutate({ secretId: secret.id, nodeIds: [py.id, js.id] });

  // posting a package to each node runs its script, which gets A's result
  const [layer] = await b.client.dataLayers.list.query({ projectId: consumer.id });
  let apiCalls = 0;
  for (const node of [py, js]) {
    await b.client.packages.create.mutate({
      nodeId: node.id,
      dataLayerId: layer!.id,
      label: "numbers",
      fields: { x: 21 },
    });
    const job = await finishedJob(b.client, node.id, 1);
    expect(job.state, job.log).toBe("completed");
    const out = await b.client.packages.search.query({ nodeId: node.id, dataLayerId: layer!.id });
    const result = out.items.find((p) => p.label === "result");
    expect(result?.fields).toEqual([{ name: "x", value: 42 }]);
    apiCalls += Number(/after (\d+) API calls/.exec(job.log)?.[1]);
  }

  // A's statistics count exactly the calls the scripts made
  await h.app.services.usage.flush();
  const issued = await a.client.apiKeys.issued.query({
    projectId: service.project.id,
    from: new Date(Date.now() - 3_600_000),
    to: new Date(Date.now() + 60_000),
  });
  expect(issued.rows[0]).toMatchObject({ keyId, requests: apiCalls, cost: String(apiCalls * 0.5) });

  // A revokes: B's next job fails, its log says why and shows no secret value
  await a.client.apiKeys.revoke.mutate({ keyId });
  await b.client.packages.create.mutate({
    nodeId: py.id,
    dataLayerId: layer!.id,
    label: "numbers",
    fields: { x: 1 },
  });
  const failed = await finishedJob(b.client, py.id, 2);
  expect(failed.state).toBe("failed");
  expect(failed.log).toMatch(/401 API key revoked/);
  const token = (
    await h.db.selectFrom("api_keys").select("token_start").where("id", "=", keyId).executeTakeFirstOrThrow()
  ).token_start;
  expect(failed.log).not.toContain(token);
  expect(failed.log).not.toMatch(/kf_[0-9A-Za-z]{10}/);
  const secrets = await b.client.secrets.list.query({ projectId: consumer.id });
  expect(secrets.every((s) => s.sourceKeyState === "revoked")).toBe(true);
});
