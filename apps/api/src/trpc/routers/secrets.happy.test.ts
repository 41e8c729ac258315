import { Keyring, secrets } from "@keyflow/core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createHarness, type Harness } from "../../../test/harness";
import { keyAndConsumer } from "../../../test/secretFixtures";

let h: Harness;
let keyring: Keyring;
beforeAll(async () => {
  h = await createHarness();
  keyring = new Keyring(h.config.secret);
});
afterAll(() => h.close());

async function ownerWithProject() {
  const owner = await h.user("Owner");
  const project = await owner.client.projects.create.mutate({ name: "Secrets" });
  const g = owner.client.graph;
  const a = await g.createNode.mutate({ projectId: project.id, name: "A", kind: "compute" });
  const b = await g.createNode.mutate({ projectId: project.id, name: "B", kind: "compute" });
  return { owner, project, a, b };
}

describe("ordinary secrets", () => {
  test("create, list, reveal, update, grant nodes, delete", async () => {
    const { owner, project, a, b } = await ownerWithProject();
    const s = owner.client.secrets;
    const created = await s.create.mutate({
      projectId: project.id,
      name: "DB_password",
      description: "prod database",
      value: "hunter2",
    });
    expect(created).toMatchObject({
      id: expect.any(Number),
      projectId: project.id,
      name: "DB_password",
      description: "prod database",
      type: "variable",
      nodeIds: [],
      sourceKeyId: null,
      sourceKeyState: null,
      sourceField: null,
      writeOnly: false,
      createdBy: { id: owner.user.id, name: "Owner" },
    });
    expect(created).not.toHaveProperty("value");
    await s.create.mutate({ projectId: project.id, name: "api_url", value: "https://example.com" });

    const list = await s.list.query({ projectId: project.id });
    expect(list.map((x) => x.name)).toEqual(["api_url", "DB_password"]);
    expect(JSON.stringify(list)).not.toContain("hunter2");

    expect(await s.reveal.mutate({ secretId: created.id })).toEqual({ value: "hunter2" });

    const updated = await s.update.mutate({
      secretId: created.id,
      name: "DB_PASS",
      description: "",
      value: "correct horse",
    });
    expect(updated).toMatchObject({ name: "DB_PASS", description: "" });
    expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(created.updatedAt.getTime());
    expect(await s.reveal.mutate({ secretId: created.id })).toEqual({ value: "correct horse" });

    const granted = await s.setNodes.mutate({ secretId: created.id, nodeIds: [b.id, a.id, b.id] });
    expect(granted.nodeIds).toEqual([a.id, b.id].sort((x, y) => x - y));
    expect(await s.forNode.query({ nodeId: a.id })).toEqual([
      { id: created.id, name: "DB_PASS", envName: "RNDFLOW_SECRET_DB_PASS", writeOnly: false },
    ]);
    const narrowed = await s.setNodes.mutate({ secretId: created.id, nodeIds: [b.id] });
    expect(narrowed.nodeIds).toEqual([b.id]);
    expect(await s.forNode.query({ nodeId: a.id })).toEqual([]);

    expect(await secrets.secretValuesForNode(h.db, keyring, b.id)).toEqual([
      { name: "DB_PASS", value: "correct horse" },
    ]);

    expect(await s.delete.mutate({ secretId: created.id })).toEqual({ id: created.id });
    expect((await s.list.query({ projectId: project.id })).map((x) => x.name)).toEqual(["api_url"]);
    expect(await secrets.secretValuesForNode(h.db, keyring, b.id)).toEqual([]);
  });

  test("every change is audited, without values", async () => {
    const { owner, project, a } = await ownerWithProject();
    const s = owner.client.secrets;
    const x = await s.create.mutate({ projectId: project.id, name: "audited", value: "v4lue-one" });
    await s.update.mutate({ secretId: x.id, value: "v4lue-two" });
    await s.reveal.mutate({ secretId: x.id });
    await s.setNodes.mutate({ secretId: x.id, nodeIds: [a.id] });
    await s.delete.mutate({ secretId: x.id });
    const log = await owner.client.audit.list.query({ projectId: project.id });
    const actions = log.items.filter((i) => i.action.startsWith("secret.")).map((i) => i.action);
    expect(actions).toEqual([
      "secret.delete",
      "secret.set_nodes",
      "secret.reveal",
      "secret.update",
      "secret.create",
    ]);
    expect(log.items.find((i) => i.action === "secret.update")?.details).toMatchObject({
      changed: ["value"],
    });
    expect(log.items.find((i) => i.action === "secret.set_nodes")?.details).toMatchObject({
      nodeIds: [a.id],
      added: [a.id],
      removed: [],
    });
    expect(JSON.stringify(log)).not.toMatch(/v4lue/);
  });

  test("deleting a node removes it from access lists", async () => {
    const { owner, project, a, b } = await ownerWithProject();
    const x = await owner.client.secrets.create.mutate({ projectId: project.id, name: "shared", value: "v" });
    await owner.client.secrets.setNodes.mutate({ secretId: x.id, nodeIds: [a.id, b.id] });
    await owner.client.graph.deleteNode.mutate({ nodeId: a.id });
    const [after] = await owner.client.secrets.list.query({ projectId: project.id });
    expect(after?.nodeIds).toEqual([b.id]);
    expect(await secrets.secretValuesForNode(h.db, keyring, a.id)).toEqual([]);
  });

  test("reveal answers carry Cache-Control: no-store", async () => {
    const { owner, project } = await ownerWithProject();
    const x = await owner.client.secrets.create.mutate({ projectId: project.id, name: "hdr", value: "v" });
    const res = await h.app.request("/trpc/secrets.reveal", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        origin: "http://localhost:3000",
        cookie: h.cookieHeader(owner.client),
      },
      body: JSON.stringify({ json: { secretId: x.id } }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
  });
});

describe("importing an API key", () => {
  test("creates <prefix>_token and one secret per information field, all readable by granted nodes", async () => {
    const k = await keyAndConsumer(h);
    const imported = await k.holder.client.secrets.importApiKey.mutate({
      projectId: k.consumer.id,
      keyId: k.keyId,
      prefix: "server",
    });
    expect(imported.map((s) => [s.name, s.sourceField, s.writeOnly])).toEqual([
      ["server_input", "input", false],
      ["server_output", "output", false],
      ["server_project", "project", false],
      ["server_token", "token", true],
    ]);
    for (const s of imported)
      expect(s).toMatchObject({
        projectId: k.consumer.id,
        sourceKeyId: k.keyId,
        sourceKeyState: "active",
        nodeIds: [],
        type: "variable",
      });
    expect(JSON.stringify(imported)).not.toContain(k.token);

    const byName = Object.fromEntries(imported.map((s) => [s.name, s]));
    const reveal = (name: string) => k.holder.client.secrets.reveal.mutate({ secretId: byName[name]!.id });
    expect(await reveal("server_project")).toEqual({ value: String(k.project.id) });
    expect(await reveal("server_input")).toEqual({ value: "41" });
    expect(await reveal("server_output")).toEqual({ value: "42" });

    for (const s of imported)
      await k.holder.client.secrets.setNodes.mutate({ secretId: s.id, nodeIds: [k.node.id] });
    expect(
      (await k.holder.client.secrets.forNode.query({ nodeId: k.node.id })).map((s) => s.envName),
    ).toEqual([
      "RNDFLOW_SECRET_SERVER_INPUT",
      "RNDFLOW_SECRET_SERVER_OUTPUT",
      "RNDFLOW_SECRET_SERVER_PROJECT",
      "RNDFLOW_SECRET_SERVER_TOKEN",
    ]);
    // the executor gets the plain values, token included
    expect(await secrets.secretValuesForNode(h.db, keyring, k.node.id)).toEqual([
      { name: "server_input", value: "41" },
      { name: "server_output", value: "42" },
      { name: "server_project", value: String(k.project.id) },
      { name: "server_token", value: k.token },
    ]);
  });

  test("the import is audited (without the token) and listed with the key's state", async () => {
    const k = await keyAndConsumer(h);
    await k.holder.client.secrets.importApiKey.mutate({
      projectId: k.consumer.id,
      keyId: k.keyId,
      prefix: "svc",
    });
    const log = await k.holder.client.audit.list.query({ projectId: k.consumer.id });
    const entry = log.items.find((i) => i.action === "secret.import");
    expect(entry).toMatchObject({
      actor: { id: k.holder.user.id },
      details: {
        keyId: k.keyId,
        prefix: "svc",
        names: ["svc_token", "svc_project", "svc_input", "svc_output"],
      },
    });
    expect(JSON.stringify(log)).not.toContain(k.token);
    const list = await k.holder.client.secrets.list.query({ projectId: k.consumer.id });
    expect(list.every((s) => s.sourceKeyState === "active")).toBe(true);
  });

  test("the same key can be imported twice under different prefixes", async () => {
    const k = await keyAndConsumer(h);
    await k.holder.client.secrets.importApiKey.mutate({
      projectId: k.consumer.id,
      keyId: k.keyId,
      prefix: "a",
    });
    await k.holder.client.secrets.importApiKey.mutate({
      projectId: k.consumer.id,
      keyId: k.keyId,
      prefix: "b",
    });
    expect(await k.holder.client.secrets.list.query({ projectId: k.consumer.id })).toHaveLength(8);
  });

  test("myKeys lists the key for the Add API key menu", async () => {
    const k = await keyAndConsumer(h);
    const mine = await k.holder.client.apiKeys.mine.query();
    expect(mine.filter((m) => m.state === "active").map((m) => m.id)).toEqual([k.keyId]);
  });
});

describe("granting an imported key to a node in one step", () => {
  test("every secret of that import reaches the node, once, in one audited change", async () => {
    const k = await keyAndConsumer(h);
    const s = k.holder.client.secrets;
    const imported = await s.importApiKey.mutate({
      projectId: k.consumer.id,
      keyId: k.keyId,
      prefix: "server",
    });
    const other = await s.importApiKey.mutate({ projectId: k.consumer.id, keyId: k.keyId, prefix: "spare" });
    const second = await k.holder.client.graph.createNode.mutate({
      projectId: k.consumer.id,
      name: "Second",
      kind: "compute",
    });
    // one secret already reaches another node: that grant stays
    await s.setNodes.mutate({ secretId: imported[0]!.id, nodeIds: [second.id] });

    const granted = await s.grantKeyToNode.mutate({
      projectId: k.consumer.id,
      keyId: k.keyId,
      prefix: "server",
      nodeId: k.node.id,
    });
    expect(granted.map((x) => [x.name, x.nodeIds])).toEqual([
      ["server_input", [k.node.id, second.id].sort((a, b) => a - b)],
      ["server_output", [k.node.id]],
      ["server_project", [k.node.id]],
      ["server_token", [k.node.id]],
    ]);
    // the other import of the same key is untouched
    const list = await s.list.query({ projectId: k.consumer.id });
    for (const x of list.filter((x) => other.some((o) => o.id === x.id))) expect(x.nodeIds).toEqual([]);
    expect((await secrets.secretValuesForNode(h.db, keyring, k.node.id)).map((v) => v.name)).toEqual([
      "server_input",
      "server_output",
      "server_project",
      "server_token",
    ]);

    // again: nothing changes, and the log says nothing was added
    const again = await s.grantKeyToNode.mutate({
      projectId: k.consumer.id,
      keyId: k.keyId,
      prefix: "server",
      nodeId: k.node.id,
    });
    expect(again.map((x) => x.nodeIds)).toEqual(granted.map((x) => x.nodeIds));
    const log = await k.holder.client.audit.list.query({
      projectId: k.consumer.id,
      action: "secret.grant_key",
    });
    expect(log.items.map((e) => [e.target, (e.details as { added: number[] }).added.length])).toEqual([
      ["server_*", 0],
      ["server_*", 4],
    ]);
    expect(log.items[1]).toMatchObject({
      actor: { id: k.holder.user.id },
      details: {
        keyId: k.keyId,
        prefix: "server",
        nodeId: k.node.id,
        secretIds: imported.map((x) => x.id).sort((a, b) => a - b),
      },
    });
    expect(log.names.nodes).toEqual([{ id: k.node.id, name: "Caller", kind: "compute" }]);
    expect(JSON.stringify(log)).not.toContain(k.token);
  });
});
