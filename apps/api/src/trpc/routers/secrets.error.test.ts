import { waitFor } from "@keyflow/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { snapshot } from "../../../test/graphFixtures";
import { createHarness, deleteDuring, expectTrpcError, type Harness } from "../../../test/harness";
import { keyAndConsumer } from "../../../test/secretFixtures";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const TABLES = ["secrets", "secret_nodes", "audit_log"] as const;
const counts = () => snapshot(h, [...TABLES]);

async function ownerWithProject() {
  const owner = await h.user("Owner");
  const project = await owner.client.projects.create.mutate({ name: "Secrets" });
  const node = await owner.client.graph.createNode.mutate({
    projectId: project.id,
    name: "A",
    kind: "compute",
  });
  return { owner, project, node };
}

describe("validation", () => {
  test("bad secret names answer BAD_REQUEST naming the field and write nothing", async () => {
    const { owner, project } = await ownerWithProject();
    const before = await counts();
    for (const name of ["", "has space", "dash-ed", "ünïcode", "a.b", "x".repeat(65)])
      await expectTrpcError(
        owner.client.secrets.create.mutate({ projectId: project.id, name, value: "v" }),
        "BAD_REQUEST",
        /^name: /,
      );
    expect(await counts()).toEqual(before);
    // 64 characters is fine
    await owner.client.secrets.create.mutate({ projectId: project.id, name: "x".repeat(64), value: "v" });
  });

  test("values: at most 64 KiB, no NUL; the message never echoes the value", async () => {
    const { owner, project } = await ownerWithProject();
    const before = await counts();
    const big = `SECRET${"x".repeat(64 * 1024)}`;
    const e = await expectTrpcError(
      owner.client.secrets.create.mutate({ projectId: project.id, name: "big", value: big }),
      "BAD_REQUEST",
      /^value: must be at most 64 KiB/,
    );
    expect(e.message).not.toContain("SECRET");
    await expectTrpcError(
      owner.client.secrets.create.mutate({ projectId: project.id, name: "nul", value: "a\0b" }),
      "BAD_REQUEST",
      /^value: /,
    );
    expect(await counts()).toEqual(before);
    await owner.client.secrets.create.mutate({
      projectId: project.id,
      name: "max",
      value: "é".repeat(32 * 1024),
    });
  });

  test("update validates too and writes nothing", async () => {
    const { owner, project } = await ownerWithProject();
    const x = await owner.client.secrets.create.mutate({ projectId: project.id, name: "ok", value: "v" });
    const before = await counts();
    await expectTrpcError(
      owner.client.secrets.update.mutate({ secretId: x.id, name: "no way" }),
      "BAD_REQUEST",
      /^name: /,
    );
    await expectTrpcError(
      owner.client.secrets.update.mutate({ secretId: x.id, value: "y".repeat(64 * 1024 + 1) }),
      "BAD_REQUEST",
      /^value: /,
    );
    expect(await counts()).toEqual(before);
  });

  test("bad prefixes answer BAD_REQUEST naming the field and write nothing", async () => {
    const k = await keyAndConsumer(h);
    const before = await counts();
    for (const prefix of ["", "with space", "a-b", "p".repeat(41)])
      await expectTrpcError(
        k.holder.client.secrets.importApiKey.mutate({ projectId: k.consumer.id, keyId: k.keyId, prefix }),
        "BAD_REQUEST",
        /^prefix: /,
      );
    expect(await counts()).toEqual(before);
  });

  test("a prefix that makes a secret name longer than 64 characters is refused before anything is written", async () => {
    const k = await keyAndConsumer(h);
    const [template] = await k.owner.client.apiKeys.listTemplates.query({ projectId: k.project.id });
    await k.owner.client.apiKeys.addField.mutate({
      templateId: template!.id,
      name: "f".repeat(30),
      value: "1",
    });
    const before = await counts();
    await expectTrpcError(
      k.holder.client.secrets.importApiKey.mutate({
        projectId: k.consumer.id,
        keyId: k.keyId,
        prefix: "p".repeat(40),
      }),
      "BAD_REQUEST",
      /^prefix: is too long/,
    );
    expect(await counts()).toEqual(before);
  });

  test("setNodes refuses nodes of another project or missing ones, naming nodeIds", async () => {
    const { owner, project, node } = await ownerWithProject();
    const other = await ownerWithProject();
    const x = await owner.client.secrets.create.mutate({ projectId: project.id, name: "s", value: "v" });
    await owner.client.secrets.setNodes.mutate({ secretId: x.id, nodeIds: [node.id] });
    const before = await counts();
    await expectTrpcError(
      owner.client.secrets.setNodes.mutate({ secretId: x.id, nodeIds: [node.id, other.node.id] }),
      "BAD_REQUEST",
      new RegExp(`^nodeIds: node ${other.node.id} is not in this project`),
    );
    await expectTrpcError(
      owner.client.secrets.setNodes.mutate({ secretId: x.id, nodeIds: [999_999] }),
      "BAD_REQUEST",
      /^nodeIds: /,
    );
    await expectTrpcError(
      owner.client.secrets.setNodes.mutate({ secretId: x.id, nodeIds: [0] }),
      "BAD_REQUEST",
      /^nodeIds/,
    );
    expect(await counts()).toEqual(before);
    expect((await owner.client.secrets.list.query({ projectId: project.id }))[0]?.nodeIds).toEqual([node.id]);
  });

  test("a node deleted while it is given a secret: BAD_REQUEST naming it, the access list unchanged", async () => {
    const { owner, project, node } = await ownerWithProject();
    const x = await owner.client.secrets.create.mutate({ projectId: project.id, name: "s", value: "v" });
    await expectTrpcError(
      deleteDuring(h, { table: "nodes", id: node.id }, 'insert into "secret_nodes"', () =>
        owner.client.secrets.setNodes.mutate({ secretId: x.id, nodeIds: [node.id] }),
      ),
      "BAD_REQUEST",
      new RegExp(`^nodeIds: node ${node.id} is not in this project`),
    );
    expect((await owner.client.secrets.list.query({ projectId: project.id }))[0]?.nodeIds).toEqual([]);
  });

  test("missing secrets and projects are NOT_FOUND", async () => {
    const { owner } = await ownerWithProject();
    const s = owner.client.secrets;
    await expectTrpcError(s.reveal.mutate({ secretId: 999_999 }), "NOT_FOUND", /Secret not found/);
    await expectTrpcError(s.update.mutate({ secretId: 999_999, name: "x" }), "NOT_FOUND");
    await expectTrpcError(s.delete.mutate({ secretId: 999_999 }), "NOT_FOUND");
    await expectTrpcError(s.setNodes.mutate({ secretId: 999_999, nodeIds: [] }), "NOT_FOUND");
    await expectTrpcError(s.list.query({ projectId: 999_999 }), "NOT_FOUND");
    await expectTrpcError(s.create.mutate({ projectId: 999_999, name: "x", value: "v" }), "NOT_FOUND");
    await expectTrpcError(s.forNode.query({ nodeId: 999_999 }), "NOT_FOUND");
  });
});

describe("conflicts", () => {
  test("names are unique per project ignoring case (create and rename)", async () => {
    const { owner, project } = await ownerWithProject();
    await owner.client.secrets.create.mutate({ projectId: project.id, name: "Token", value: "v" });
    const y = await owner.client.secrets.create.mutate({ projectId: project.id, name: "other", value: "v" });
    const before = await counts();
    await expectTrpcError(
      owner.client.secrets.create.mutate({ projectId: project.id, name: "TOKEN", value: "v" }),
      "CONFLICT",
      /"Token" already exists/,
    );
    await expectTrpcError(
      owner.client.secrets.update.mutate({ secretId: y.id, name: "token" }),
      "CONFLICT",
      /"Token"/,
    );
    expect(await counts()).toEqual(before);
    // renaming to itself in another case is fine, and the name is free in another project
    await owner.client.secrets.update.mutate({ secretId: y.id, name: "OTHER" });
    const second = await owner.client.projects.create.mutate({ name: "Second" });
    await owner.client.secrets.create.mutate({ projectId: second.id, name: "token", value: "v" });
  });

  test("concurrent creates of one name: exactly one succeeds, the other CONFLICT", async () => {
    const { owner, project } = await ownerWithProject();
    const results = await Promise.allSettled(
      Array.from({ length: 4 }, (_, i) =>
        owner.client.secrets.create.mutate({
          projectId: project.id,
          name: i % 2 ? "race" : "RACE",
          value: "v",
        }),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results.filter((r) => r.status === "rejected"))
      await expectTrpcError(Promise.reject((r as PromiseRejectedResult).reason), "CONFLICT");
  });

  test("an import clashing with existing names creates nothing and names every clash", async () => {
    const k = await keyAndConsumer(h);
    const s = k.holder.client.secrets;
    await s.create.mutate({ projectId: k.consumer.id, name: "SVC_TOKEN", value: "mine" });
    await s.create.mutate({ projectId: k.consumer.id, name: "svc_Input", value: "mine" });
    await s.create.mutate({ projectId: k.consumer.id, name: "svc_unrelated", value: "mine" });
    const before = await counts();
    const e = await expectTrpcError(
      s.importApiKey.mutate({ projectId: k.consumer.id, keyId: k.keyId, prefix: "svc" }),
      "CONFLICT",
    );
    expect(e.message).toContain("SVC_TOKEN");
    expect(e.message).toContain("svc_Input");
    expect(e.message).not.toContain("svc_unrelated");
    expect(e.message).not.toContain("svc_output");
    expect(await counts()).toEqual(before);
  });

  test("importing a revoked key is CONFLICT and writes nothing", async () => {
    const k = await keyAndConsumer(h);
    await k.holder.client.apiKeys.revoke.mutate({ keyId: k.keyId });
    const before = await counts();
    await expectTrpcError(
      k.holder.client.secrets.importApiKey.mutate({
        projectId: k.consumer.id,
        keyId: k.keyId,
        prefix: "svc",
      }),
      "CONFLICT",
      /revoked/,
    );
    expect(await counts()).toEqual(before);
  });

  test("importing an expired key is CONFLICT", async () => {
    const k = await keyAndConsumer(h);
    await h.db
      .updateTable("api_keys")
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where("id", "=", k.keyId)
      .execute();
    await expectTrpcError(
      k.holder.client.secrets.importApiKey.mutate({
        projectId: k.consumer.id,
        keyId: k.keyId,
        prefix: "svc",
      }),
      "CONFLICT",
      /expired/,
    );
  });

  test("importing a key whose template was deleted is CONFLICT", async () => {
    const k = await keyAndConsumer(h);
    await k.owner.client.apiKeys.deleteTemplate.mutate({ templateId: k.template.id });
    await expectTrpcError(
      k.holder.client.secrets.importApiKey.mutate({
        projectId: k.consumer.id,
        keyId: k.keyId,
        prefix: "svc",
      }),
      "CONFLICT",
    );
  });

  test("concurrent imports with the same prefix: exactly one succeeds, the other CONFLICT", async () => {
    const k = await keyAndConsumer(h);
    const call = () =>
      k.holder.client.secrets.importApiKey.mutate({
        projectId: k.consumer.id,
        keyId: k.keyId,
        prefix: "race",
      });
    const results = await Promise.allSettled([call(), call(), call()]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results.filter((r) => r.status === "rejected"))
      await expectTrpcError(Promise.reject((r as PromiseRejectedResult).reason), "CONFLICT", /race_token/);
    expect(await k.holder.client.secrets.list.query({ projectId: k.consumer.id })).toHaveLength(4);
  });

  test("concurrent imports of two different keys with the same prefix: one succeeds, the other CONFLICT", async () => {
    const k = await keyAndConsumer(h);
    // a second key of the same holder, from another template of the service project
    const t2 = await k.owner.client.apiKeys.createTemplate.mutate({
      projectId: k.project.id,
      name: "Tripler",
      roleId: k.role.id,
    });
    const req = await k.holder.client.apiKeys.request.mutate({ templateId: t2.id });
    const { keyId: key2 } = await k.owner.client.apiKeys.approve.mutate({ requestId: req.id });
    const results = await Promise.allSettled(
      [k.keyId, key2].map((keyId) =>
        k.holder.client.secrets.importApiKey.mutate({ projectId: k.consumer.id, keyId, prefix: "svc" }),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const [rejected] = results.filter((r) => r.status === "rejected") as PromiseRejectedResult[];
    await expectTrpcError(Promise.reject(rejected!.reason), "CONFLICT", /svc_token/);
    expect(await k.holder.client.secrets.list.query({ projectId: k.consumer.id })).toHaveLength(4);
  });

  test("a name taken by a transaction still open during the import's check is CONFLICT, not 500", async () => {
    const k = await keyAndConsumer(h);
    const other = await h.pool.connect();
    try {
      await other.query("begin");
      await other.query(
        "insert into secrets (project_id, name, value_encrypted, created_by) values ($1, 'SVC_output', 'v1:x', $2)",
        [k.consumer.id, k.holder.user.id],
      );
      // the import's name check cannot see the uncommitted row; its insert then waits on the unique index
      const importing = k.holder.client.secrets.importApiKey
        .mutate({ projectId: k.consumer.id, keyId: k.keyId, prefix: "svc" })
        .then(
          () => null,
          (e: unknown) => e,
        );
      // commit only once the import is really waiting on our row's lock
      await waitFor("the import to wait on the row lock", async () => {
        const waiting = await h.pool.query(
          "select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
        );
        return waiting.rows[0].n > 0;
      });
      await other.query("commit");
      await expectTrpcError(Promise.reject(await importing), "CONFLICT", /SVC_output/);
    } finally {
      other.release();
    }
    const names = (await k.holder.client.secrets.list.query({ projectId: k.consumer.id })).map((s) => s.name);
    expect(names).toEqual(["SVC_output"]);
  });

  test("an imported secret's value cannot be replaced; renaming it is fine", async () => {
    const k = await keyAndConsumer(h);
    const [first] = await k.holder.client.secrets.importApiKey.mutate({
      projectId: k.consumer.id,
      keyId: k.keyId,
      prefix: "svc",
    });
    const before = await counts();
    await expectTrpcError(
      k.holder.client.secrets.update.mutate({ secretId: first!.id, value: "x" }),
      "BAD_REQUEST",
      /^value: /,
    );
    expect(await counts()).toEqual(before);
    const renamed = await k.holder.client.secrets.update.mutate({ secretId: first!.id, name: "renamed" });
    expect(renamed).toMatchObject({ name: "renamed", sourceKeyId: k.keyId, sourceField: first!.sourceField });
  });
});

describe("granting an imported key to a node", () => {
  test("bad input is BAD_REQUEST naming the field; a node of another project or a missing import write nothing", async () => {
    const k = await keyAndConsumer(h);
    await k.holder.client.secrets.importApiKey.mutate({
      projectId: k.consumer.id,
      keyId: k.keyId,
      prefix: "server",
    });
    const grant = k.holder.client.secrets.grantKeyToNode;
    const ok = { projectId: k.consumer.id, keyId: k.keyId, prefix: "server", nodeId: k.node.id };
    // a node of the service project (not the consumer's)
    const foreign = await k.owner.client.graph.createNode.mutate({
      projectId: k.project.id,
      name: "x",
      kind: "compute",
    });
    const before = await counts();
    await expectTrpcError(grant.mutate({ ...ok, prefix: "bad prefix" }), "BAD_REQUEST", /^prefix:/);
    await expectTrpcError(grant.mutate({ ...ok, prefix: "" }), "BAD_REQUEST", /^prefix:/);
    await expectTrpcError(grant.mutate({ ...ok, nodeId: 0 }), "BAD_REQUEST", /^nodeId:/);
    await expectTrpcError(grant.mutate({ ...ok, keyId: 2147483648 }), "BAD_REQUEST", /^keyId:/);
    await expectTrpcError(
      grant.mutate({ ...ok, nodeId: foreign.id }),
      "BAD_REQUEST",
      new RegExp(`^nodeId: node ${foreign.id} is not in this project`),
    );
    await expectTrpcError(grant.mutate({ ...ok, nodeId: 2147483647 }), "BAD_REQUEST", /^nodeId:/);
    // a prefix or key with nothing imported
    await expectTrpcError(grant.mutate({ ...ok, prefix: "other" }), "NOT_FOUND", /prefix "other" not found/);
    await expectTrpcError(grant.mutate({ ...ok, keyId: 2147483647 }), "NOT_FOUND");
    expect(await counts()).toEqual(before);
  });
});
