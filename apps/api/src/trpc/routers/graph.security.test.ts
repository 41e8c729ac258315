import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Fixture, projectWithMembers, snapshot } from "../../../test/graphFixtures";
import { type Client, createHarness, expectTrpcError, type Harness } from "../../../test/harness";

let h: Harness;
let f: Fixture;
beforeAll(async () => {
  h = await createHarness();
  f = await projectWithMembers(h);
});
afterAll(() => h.close());

/** Fresh objects for one procedure call (deletions need their own). */
async function objects() {
  const g = f.owner.client.graph;
  const a = await g.createNode.mutate({ projectId: f.projectId, name: "A", kind: "compute" });
  const b = await g.createNode.mutate({ projectId: f.projectId, name: "B", kind: "data" });
  const link = await g.createLink.mutate({ projectId: f.projectId, fromNodeId: a.id, toNodeId: b.id });
  await g.putFile.mutate({ nodeId: a.id, path: "main.py", content: "pass" });
  return { a, b, link };
}

type Objects = Awaited<ReturnType<typeof objects>>;
const procedures: Record<string, (c: Client, o: Objects) => Promise<unknown>> = {
  get: (c) => c.graph.get.query({ projectId: f.projectId }),
  createNode: (c) => c.graph.createNode.mutate({ projectId: f.projectId, name: "N", kind: "data" }),
  updateNode: (c, o) => c.graph.updateNode.mutate({ nodeId: o.a.id, name: "Renamed" }),
  "updateNode (kind)": (c, o) => c.graph.updateNode.mutate({ nodeId: o.b.id, kind: "compute" }),
  deleteNode: (c, o) => c.graph.deleteNode.mutate({ nodeId: o.b.id }),
  createLink: (c, o) =>
    c.graph.createLink.mutate({ projectId: f.projectId, fromNodeId: o.b.id, toNodeId: o.a.id }),
  deleteLink: (c, o) => c.graph.deleteLink.mutate({ linkId: o.link.id }),
  listFiles: (c, o) => c.graph.listFiles.query({ nodeId: o.a.id }),
  putFile: (c, o) => c.graph.putFile.mutate({ nodeId: o.a.id, path: "x.py", content: "x" }),
  deleteFile: (c, o) => c.graph.deleteFile.mutate({ nodeId: o.a.id, path: "main.py" }),
  setActive: (c, o) =>
    c.graph.setActive.mutate({ nodeId: o.a.id, dataLayerId: f.mainLayerId, active: false }),
};

describe("graph permission matrix", () => {
  for (const [name, call] of Object.entries(procedures)) {
    test(`${name}: owner OK, viewer FORBIDDEN, stranger NOT_FOUND, signed-out UNAUTHORIZED`, async () => {
      const o = await objects();
      const before = await snapshot(h);
      await expectTrpcError(call(f.member.client, o), "FORBIDDEN");
      await expectTrpcError(call(f.stranger.client, o), "NOT_FOUND");
      await expectTrpcError(call(f.anon, o), "UNAUTHORIZED");
      expect(await snapshot(h)).toEqual(before);
      await call(f.owner.client, o);
    });
  }
});

describe("graph permissions in detail", () => {
  test("graph_view without code_view sees the structure but not params or files", async () => {
    const o = await objects();
    await f.owner.client.graph.updateNode.mutate({ nodeId: o.a.id, params: { secretish: 1 } });
    const m = await f.memberWith({ project: ["project_view", "graph_view"] });
    const graph = await m.client.graph.get.query({ projectId: f.projectId });
    expect(graph.nodes.find((n) => n.id === o.a.id)?.params).toBeNull();
    await expectTrpcError(m.client.graph.listFiles.query({ nodeId: o.a.id }), "FORBIDDEN", /code_view/);
    await expectTrpcError(
      m.client.graph.createNode.mutate({ projectId: f.projectId, name: "N", kind: "data" }),
      "FORBIDDEN",
      /graph_edit/,
    );
  });

  test("node-level code grants cover that node only; params need code_edit, structure graph_edit", async () => {
    const o = await objects();
    const m = await f.memberWith({
      project: ["project_view", "graph_view"],
      nodes: { [o.a.id]: ["code_view", "code_edit"] },
    });
    expect((await m.client.graph.listFiles.query({ nodeId: o.a.id })).map((x) => x.path)).toEqual([
      "main.py",
    ]);
    await expectTrpcError(m.client.graph.listFiles.query({ nodeId: o.b.id }), "FORBIDDEN");
    await m.client.graph.putFile.mutate({ nodeId: o.a.id, path: "lib.py", content: "x = 1" });
    await expectTrpcError(
      m.client.graph.putFile.mutate({ nodeId: o.b.id, path: "lib.py", content: "" }),
      "FORBIDDEN",
    );
    const u = await m.client.graph.updateNode.mutate({ nodeId: o.a.id, params: { k: "v" } });
    expect(u.params).toEqual({ k: "v" });
    await expectTrpcError(
      m.client.graph.updateNode.mutate({ nodeId: o.a.id, name: "x", params: {} }),
      "FORBIDDEN",
      /graph_edit/,
    );
    await expectTrpcError(
      m.client.graph.updateNode.mutate({ nodeId: o.b.id, params: {} }),
      "FORBIDDEN",
      /code_edit/,
    );
    // the kind is structure: code_edit on the node is not enough
    await expectTrpcError(
      m.client.graph.updateNode.mutate({ nodeId: o.b.id, kind: "compute" }),
      "FORBIDDEN",
      /graph_edit/,
    );
    const b = await f.owner.client.graph.get.query({ projectId: f.projectId });
    expect(b.nodes.find((n) => n.id === o.b.id)?.kind).toBe("data");
    const graph = await m.client.graph.get.query({ projectId: f.projectId });
    expect(graph.nodes.find((n) => n.id === o.a.id)?.params).toEqual({ k: "v" });
    expect(graph.nodes.find((n) => n.id === o.b.id)?.params).toBeNull();
  });

  test("graph_edit cannot switch nodes in another user's personal layer", async () => {
    const o = await objects();
    const editor = await f.memberWith({ project: ["project_view", "graph_view", "graph_edit"] });
    const owners = await f.owner.client.dataLayers.create.mutate({
      projectId: f.projectId,
      name: "Mine",
      kind: "personal",
    });
    await expectTrpcError(
      editor.client.graph.setActive.mutate({ nodeId: o.a.id, dataLayerId: owners.id, active: false }),
      "NOT_FOUND",
    );
    await expectTrpcError(
      editor.client.graph.get.query({ projectId: f.projectId, dataLayerId: owners.id }),
      "NOT_FOUND",
    );
    // a manager may read it, not write it
    await f.owner.client.graph.get.query({ projectId: f.projectId, dataLayerId: owners.id });
  });

  test("a public project's graph is readable signed out when the public role grants graph_view", async () => {
    const pub = await f.owner.client.projects.create.mutate({ name: "Public", isPublic: true });
    await f.owner.client.graph.createNode.mutate({ projectId: pub.id, name: "Open", kind: "data" });
    await f.owner.client.roles.create.mutate({
      projectId: pub.id,
      name: "Everyone",
      isPublic: true,
      permissions: { project: ["project_view", "graph_view", "graph_edit"], nodes: {} },
    });
    const graph = await f.anon.graph.get.query({ projectId: pub.id });
    expect(graph.nodes.map((n) => n.name)).toEqual(["Open"]);
    // signed out never writes, whatever the public role says
    await expectTrpcError(
      f.anon.graph.createNode.mutate({ projectId: pub.id, name: "x", kind: "data" }),
      "UNAUTHORIZED",
    );
    // a signed-in stranger gets the public role's write permission
    await f.stranger.client.graph.createNode.mutate({ projectId: pub.id, name: "By stranger", kind: "data" });
  });
});
