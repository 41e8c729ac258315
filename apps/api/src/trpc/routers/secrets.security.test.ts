import { sql } from "@keyflow/db";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Fixture, projectWithMembers, snapshot } from "../../../test/graphFixtures";
import { type Client, createHarness, expectTrpcError, type Harness } from "../../../test/harness";
import { keyAndConsumer } from "../../../test/secretFixtures";

let h: Harness;
let f: Fixture;
let nodeA: { id: number };
let nodeB: { id: number };
beforeAll(async () => {
  h = await createHarness();
  f = await projectWithMembers(h, "Secret project");
  nodeA = await f.owner.client.graph.createNode.mutate({
    projectId: f.projectId,
    name: "A",
    kind: "compute",
  });
  nodeB = await f.owner.client.graph.createNode.mutate({
    projectId: f.projectId,
    name: "B",
    kind: "compute",
  });
});
afterAll(() => h.close());

const VALUE = "plain-value-Zq9";
const TABLES = ["secrets", "secret_nodes", "audit_log"] as const;

/** A fresh secret granted to node A (deletion tests need their own). */
async function secret(name = `s_${Math.random().toString(36).slice(2, 8)}`) {
  const s = await f.owner.client.secrets.create.mutate({ projectId: f.projectId, name, value: VALUE });
  return f.owner.client.secrets.setNodes.mutate({ secretId: s.id, nodeIds: [nodeA.id] });
}

type Secret = Awaited<ReturnType<typeof secret>>;
const managerOnly: Record<string, (c: Client, s: Secret) => Promise<unknown>> = {
  create: (c) => c.secrets.create.mutate({ projectId: f.projectId, name: "intruder", value: "x" }),
  update: (c, s) => c.secrets.update.mutate({ secretId: s.id, value: "x" }),
  delete: (c, s) => c.secrets.delete.mutate({ secretId: s.id }),
  reveal: (c, s) => c.secrets.reveal.mutate({ secretId: s.id }),
  setNodes: (c, s) => c.secrets.setNodes.mutate({ secretId: s.id, nodeIds: [nodeA.id, nodeB.id] }),
  importApiKey: (c) => c.secrets.importApiKey.mutate({ projectId: f.projectId, keyId: 1, prefix: "x" }),
  grantKeyToNode: (c) =>
    c.secrets.grantKeyToNode.mutate({ projectId: f.projectId, keyId: 1, prefix: "x", nodeId: nodeA.id }),
};

describe("secrets permission matrix", () => {
  for (const [name, call] of Object.entries(managerOnly)) {
    test(`${name}: code_view FORBIDDEN, viewer FORBIDDEN, stranger NOT_FOUND, signed-out UNAUTHORIZED`, async () => {
      const s = await secret();
      const coder = await f.memberWith({ project: ["project_view", "graph_view", "code_view", "code_edit"] });
      const before = await snapshot(h, [...TABLES]);
      await expectTrpcError(call(coder.client, s), "FORBIDDEN", /project_manage/);
      await expectTrpcError(call(f.member.client, s), "FORBIDDEN", /project_manage/);
      await expectTrpcError(call(f.stranger.client, s), "NOT_FOUND");
      await expectTrpcError(call(f.anon, s), "UNAUTHORIZED");
      expect(await snapshot(h, [...TABLES])).toEqual(before);
    });
  }

  test("list: manager sees all; code_view names of granted secrets only; viewer FORBIDDEN; stranger NOT_FOUND", async () => {
    const granted = await secret("granted_a");
    const onB = await f.owner.client.secrets.create.mutate({
      projectId: f.projectId,
      name: "on_b",
      value: VALUE,
    });
    await f.owner.client.secrets.setNodes.mutate({ secretId: onB.id, nodeIds: [nodeB.id] });
    const both = await f.owner.client.secrets.create.mutate({
      projectId: f.projectId,
      name: "both",
      value: VALUE,
    });
    await f.owner.client.secrets.setNodes.mutate({ secretId: both.id, nodeIds: [nodeA.id, nodeB.id] });
    await f.owner.client.secrets.create.mutate({ projectId: f.projectId, name: "ungranted", value: VALUE });

    const all = await f.owner.client.secrets.list.query({ projectId: f.projectId });
    expect(all.map((s) => s.name)).toEqual(
      expect.arrayContaining(["granted_a", "on_b", "both", "ungranted"]),
    );
    expect(all.find((s) => s.name === "both")?.createdBy).toMatchObject({ id: f.owner.user.id });

    // project-wide code_view: every secret granted to some node, never the ungranted ones
    const coder = await f.memberWith({ project: ["project_view", "code_view"] });
    const seen = await coder.client.secrets.list.query({ projectId: f.projectId });
    expect(seen.map((s) => s.name)).toEqual(expect.arrayContaining(["granted_a", "on_b", "both"]));
    expect(seen.map((s) => s.name)).not.toContain("ungranted");
    expect(seen.every((s) => s.sourceKeyId === null && s.createdBy === null)).toBe(true);

    // code_view on node A only: secrets granted to A, access lists cut down to A
    const nodeCoder = await f.memberWith({ project: ["project_view"], nodes: { [nodeA.id]: ["code_view"] } });
    const narrow = await nodeCoder.client.secrets.list.query({ projectId: f.projectId });
    expect(narrow.find((s) => s.id === granted.id)?.nodeIds).toEqual([nodeA.id]);
    expect(narrow.find((s) => s.id === both.id)?.nodeIds).toEqual([nodeA.id]);
    expect(narrow.map((s) => s.name)).not.toContain("on_b");
    expect(narrow.map((s) => s.name)).not.toContain("ungranted");

    for (const list of [all, seen, narrow]) expect(JSON.stringify(list)).not.toContain(VALUE);

    await expectTrpcError(
      f.member.client.secrets.list.query({ projectId: f.projectId }),
      "FORBIDDEN",
      /code_view/,
    );
    await expectTrpcError(f.stranger.client.secrets.list.query({ projectId: f.projectId }), "NOT_FOUND");
    await expectTrpcError(f.anon.secrets.list.query({ projectId: f.projectId }), "UNAUTHORIZED");
  });

  test("forNode: names for code_view on that node; others refused", async () => {
    const s = await secret("for_node");
    const nodeCoder = await f.memberWith({ project: ["project_view"], nodes: { [nodeA.id]: ["code_view"] } });
    const names = await nodeCoder.client.secrets.forNode.query({ nodeId: nodeA.id });
    expect(names.map((n) => n.name)).toContain(s.name);
    expect(JSON.stringify(names)).not.toContain(VALUE);
    await expectTrpcError(
      nodeCoder.client.secrets.forNode.query({ nodeId: nodeB.id }),
      "FORBIDDEN",
      /code_view/,
    );
    await expectTrpcError(f.member.client.secrets.forNode.query({ nodeId: nodeA.id }), "FORBIDDEN");
    await expectTrpcError(f.stranger.client.secrets.forNode.query({ nodeId: nodeA.id }), "NOT_FOUND");
    await expectTrpcError(f.anon.secrets.forNode.query({ nodeId: nodeA.id }), "UNAUTHORIZED");
  });

  test("a public role's code_view shows names to signed-in strangers, nothing to signed-out visitors", async () => {
    const owner = await h.user("Pub");
    const p = await owner.client.projects.create.mutate({ name: "Open", isPublic: true });
    const n = await owner.client.graph.createNode.mutate({ projectId: p.id, name: "N", kind: "compute" });
    await owner.client.roles.create.mutate({
      projectId: p.id,
      name: "Public",
      isPublic: true,
      permissions: { project: ["project_view", "graph_view", "code_view"], nodes: {} },
    });
    const x = await owner.client.secrets.create.mutate({ projectId: p.id, name: "pub", value: VALUE });
    await owner.client.secrets.setNodes.mutate({ secretId: x.id, nodeIds: [n.id] });
    const seen = await f.stranger.client.secrets.list.query({ projectId: p.id });
    expect(seen.map((s) => s.name)).toEqual(["pub"]);
    await expectTrpcError(f.stranger.client.secrets.reveal.mutate({ secretId: x.id }), "FORBIDDEN");
    await expectTrpcError(f.anon.secrets.list.query({ projectId: p.id }), "UNAUTHORIZED");
  });

  test("a manager of another project cannot reach this project's secrets or grant them to their nodes", async () => {
    const s = await secret();
    const other = await h.user("Other");
    const op = await other.client.projects.create.mutate({ name: "Theirs" });
    const theirNode = await other.client.graph.createNode.mutate({
      projectId: op.id,
      name: "T",
      kind: "compute",
    });
    await expectTrpcError(other.client.secrets.reveal.mutate({ secretId: s.id }), "NOT_FOUND");
    await expectTrpcError(
      other.client.secrets.setNodes.mutate({ secretId: s.id, nodeIds: [theirNode.id] }),
      "NOT_FOUND",
    );
    // and the owner cannot grant their secret to a node of another project
    await expectTrpcError(
      f.owner.client.secrets.setNodes.mutate({ secretId: s.id, nodeIds: [theirNode.id] }),
      "BAD_REQUEST",
      /nodeIds/,
    );
  });

  test("API keys are refused on tRPC", async () => {
    const k = await keyAndConsumer(h);
    const keyClient = h.client({ bearer: k.token, origin: null });
    await expectTrpcError(keyClient.secrets.list.query({ projectId: k.project.id }), "UNAUTHORIZED");
  });
});

describe("values at rest", () => {
  test("the stored row holds only ciphertext, and neither the audit log nor errors hold values", async () => {
    const s = await secret();
    await f.owner.client.secrets.reveal.mutate({ secretId: s.id });
    const row = await h.db.selectFrom("secrets").selectAll().where("id", "=", s.id).executeTakeFirstOrThrow();
    expect(row.value_encrypted).toMatch(/^v1:/);
    expect(row.value_encrypted).not.toContain(VALUE);
    expect(Buffer.from(row.value_encrypted.slice(3), "base64").toString("latin1")).not.toContain(VALUE);
    const dump = await sql<{ t: string }>`select string_agg(s::text, ' ') as t from secrets s`.execute(h.db);
    expect(dump.rows[0]?.t).not.toContain(VALUE);
    const audit = await sql<{ t: string }>`select string_agg(a::text, ' ') as t from audit_log a`.execute(
      h.db,
    );
    expect(audit.rows[0]?.t).not.toContain(VALUE);
  });

  test("a ciphertext moved to another row does not decrypt (bound to its row)", async () => {
    const a = await secret();
    const b = await secret();
    const row = await h.db
      .selectFrom("secrets")
      .select("value_encrypted")
      .where("id", "=", a.id)
      .executeTakeFirstOrThrow();
    await h.db
      .updateTable("secrets")
      .set({ value_encrypted: row.value_encrypted })
      .where("id", "=", b.id)
      .execute();
    const e = await f.owner.client.secrets.reveal.mutate({ secretId: b.id }).then(
      () => null,
      (err: unknown) => err as Error,
    );
    expect(e).not.toBeNull();
    expect(e?.message).not.toContain(VALUE);
  });
});

describe("imported keys", () => {
  test("the imported token is never revealable, not even by the key's holder; fields are", async () => {
    const k = await keyAndConsumer(h);
    const imported = await k.holder.client.secrets.importApiKey.mutate({
      projectId: k.consumer.id,
      keyId: k.keyId,
      prefix: "svc",
    });
    const token = imported.find((s) => s.name === "svc_token")!;
    expect(token.writeOnly).toBe(true);
    const before = await snapshot(h, [...TABLES]);
    const e = await expectTrpcError(
      k.holder.client.secrets.reveal.mutate({ secretId: token.id }),
      "FORBIDDEN",
      /write-only/,
    );
    expect(e.message).not.toContain(k.token);
    expect(await snapshot(h, [...TABLES])).toEqual(before);
    // a co-manager of the consumer project cannot either
    const co = await h.user("CoManager");
    const [ownerRole] = await k.holder.client.roles.list.query({ projectId: k.consumer.id });
    await k.holder.client.members.add.mutate({
      projectId: k.consumer.id,
      email: co.email,
      roleIds: [ownerRole!.id],
    });
    await expectTrpcError(co.client.secrets.reveal.mutate({ secretId: token.id }), "FORBIDDEN", /write-only/);
    const project = imported.find((s) => s.name === "svc_project")!;
    expect(await co.client.secrets.reveal.mutate({ secretId: project.id })).toEqual({
      value: String(k.project.id),
    });
    // the token is stored encrypted only
    const row = await h.db
      .selectFrom("secrets")
      .selectAll()
      .where("id", "=", token.id)
      .executeTakeFirstOrThrow();
    expect(row.value_encrypted).not.toContain(k.token);
    const dump = await sql<{ t: string }>`select string_agg(a::text, ' ') as t from audit_log a`.execute(
      h.db,
    );
    expect(dump.rows[0]?.t).not.toContain(k.token);
  });

  test("the list flags imported secrets revoked after the service owner revokes the key", async () => {
    const k = await keyAndConsumer(h);
    await k.holder.client.secrets.importApiKey.mutate({
      projectId: k.consumer.id,
      keyId: k.keyId,
      prefix: "svc",
    });
    await k.owner.client.apiKeys.revoke.mutate({ keyId: k.keyId });
    const list = await k.holder.client.secrets.list.query({ projectId: k.consumer.id });
    expect(list).toHaveLength(4);
    expect(list.every((s) => s.sourceKeyState === "revoked" && s.sourceKeyId === k.keyId)).toBe(true);
    // an ordinary secret beside them has no key state
    const own = await k.holder.client.secrets.create.mutate({
      projectId: k.consumer.id,
      name: "own",
      value: "v",
    });
    expect(own.sourceKeyState).toBeNull();
  });

  test("an expired source key is flagged expired", async () => {
    const k = await keyAndConsumer(h);
    await k.holder.client.secrets.importApiKey.mutate({
      projectId: k.consumer.id,
      keyId: k.keyId,
      prefix: "svc",
    });
    await h.db
      .updateTable("api_keys")
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where("id", "=", k.keyId)
      .execute();
    const list = await k.holder.client.secrets.list.query({ projectId: k.consumer.id });
    expect(list.every((s) => s.sourceKeyState === "expired")).toBe(true);
  });

  test("importing someone else's key is NOT_FOUND, even for the service project's owner", async () => {
    const k = await keyAndConsumer(h);
    const ownersProject = await k.owner.client.projects.create.mutate({ name: "Owner's consumer" });
    const before = await snapshot(h, [...TABLES]);
    await expectTrpcError(
      k.owner.client.secrets.importApiKey.mutate({
        projectId: ownersProject.id,
        keyId: k.keyId,
        prefix: "x",
      }),
      "NOT_FOUND",
      /API key not found/,
    );
    // the same answer as for a key that does not exist
    await expectTrpcError(
      k.owner.client.secrets.importApiKey.mutate({
        projectId: ownersProject.id,
        keyId: 999_999,
        prefix: "x",
      }),
      "NOT_FOUND",
      /API key not found/,
    );
    // a manager of the consumer project who is not the holder cannot import it there either
    const co = await h.user("CoManager");
    const [ownerRole] = await k.holder.client.roles.list.query({ projectId: k.consumer.id });
    await k.holder.client.members.add.mutate({
      projectId: k.consumer.id,
      email: co.email,
      roleIds: [ownerRole!.id],
    });
    const before2 = await snapshot(h, [...TABLES]);
    await expectTrpcError(
      co.client.secrets.importApiKey.mutate({ projectId: k.consumer.id, keyId: k.keyId, prefix: "x" }),
      "NOT_FOUND",
    );
    expect(await snapshot(h, [...TABLES])).toEqual(before2);
    expect(before2.audit_log).toBeGreaterThan(before.audit_log!);
  });

  test("the holder needs project_manage in the consumer project", async () => {
    const k = await keyAndConsumer(h);
    const other = await h.user("Other");
    const p = await other.client.projects.create.mutate({ name: "Not mine" });
    const role = await other.client.roles.create.mutate({
      projectId: p.id,
      name: "Coder",
      permissions: { project: ["project_view", "code_view", "code_edit"], nodes: {} },
    });
    await other.client.members.add.mutate({ projectId: p.id, email: k.holder.email, roleIds: [role.id] });
    await expectTrpcError(
      k.holder.client.secrets.importApiKey.mutate({ projectId: p.id, keyId: k.keyId, prefix: "x" }),
      "FORBIDDEN",
      /project_manage/,
    );
    const stranger = await other.client.projects.create.mutate({ name: "Hidden" });
    await expectTrpcError(
      k.holder.client.secrets.importApiKey.mutate({ projectId: stranger.id, keyId: k.keyId, prefix: "x" }),
      "NOT_FOUND",
    );
  });
});

describe("granting an imported key to a node", () => {
  test("any manager of the consumer project may; nobody else reaches its secrets or grants them elsewhere", async () => {
    const k = await keyAndConsumer(h);
    await k.holder.client.secrets.importApiKey.mutate({
      projectId: k.consumer.id,
      keyId: k.keyId,
      prefix: "server",
    });
    const input = { projectId: k.consumer.id, keyId: k.keyId, prefix: "server", nodeId: k.node.id };
    const other = await h.user("Other");
    const op = await other.client.projects.create.mutate({ name: "Theirs" });
    const theirNode = await other.client.graph.createNode.mutate({
      projectId: op.id,
      name: "T",
      kind: "compute",
    });
    const before = await snapshot(h, [...TABLES]);
    // the service's owner (who issued the key) has no say in the consumer project
    await expectTrpcError(
      k.owner.client.secrets.grantKeyToNode.mutate(input),
      "NOT_FOUND",
      /Project not found/,
    );
    // a manager of another project cannot point the grant at their own node
    await expectTrpcError(
      other.client.secrets.grantKeyToNode.mutate({ ...input, nodeId: theirNode.id }),
      "NOT_FOUND",
    );
    await expectTrpcError(
      other.client.secrets.grantKeyToNode.mutate({ ...input, projectId: op.id, nodeId: theirNode.id }),
      "NOT_FOUND",
      /prefix "server" not found/,
    );
    // nor can the holder grant their import to a node of a project they do not manage
    await expectTrpcError(
      k.holder.client.secrets.grantKeyToNode.mutate({ ...input, nodeId: theirNode.id }),
      "BAD_REQUEST",
      /^nodeId:/,
    );
    await expectTrpcError(
      h.client({ bearer: k.token, origin: null }).secrets.grantKeyToNode.mutate(input),
      "UNAUTHORIZED",
    );
    expect(await snapshot(h, [...TABLES])).toEqual(before);

    // a co-manager who is not the key's holder may grant it, as they may grant each secret
    const role = (await k.holder.client.roles.list.query({ projectId: k.consumer.id })).find(
      (r) => r.isOwner,
    )!;
    const co = await h.user("Co-owner");
    await k.holder.client.members.add.mutate({
      projectId: k.consumer.id,
      email: co.email,
      roleIds: [role.id],
    });
    const granted = await co.client.secrets.grantKeyToNode.mutate(input);
    expect(granted.every((s) => s.nodeIds.includes(k.node.id))).toBe(true);
  });
});
