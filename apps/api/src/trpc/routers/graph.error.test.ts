import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Fixture, projectWithMembers, snapshot } from "../../../test/graphFixtures";
import { createHarness, deleteDuring, expectTrpcError, type Harness } from "../../../test/harness";

let h: Harness;
let f: Fixture;
let a: { id: number };
let b: { id: number };
let compute: { id: number };
beforeAll(async () => {
  h = await createHarness();
  f = await projectWithMembers(h);
  const g = f.owner.client.graph;
  a = await g.createNode.mutate({ projectId: f.projectId, name: "A", kind: "data" });
  b = await g.createNode.mutate({ projectId: f.projectId, name: "B", kind: "data" });
  compute = await g.createNode.mutate({ projectId: f.projectId, name: "C", kind: "compute" });
});
afterAll(() => h.close());

/** Expects the call to fail with BAD_REQUEST naming `field`, and to write nothing. */
async function refused(call: () => Promise<unknown>, field: string, code = "BAD_REQUEST") {
  const before = await snapshot(h);
  const e = await expectTrpcError(
    call(),
    code,
    code === "BAD_REQUEST" ? new RegExp(`^${field}:`) : undefined,
  );
  expect(await snapshot(h)).toEqual(before);
  return e;
}

describe("graph errors", () => {
  test("bad node input names the field and writes nothing", async () => {
    const g = f.owner.client.graph;
    await refused(() => g.createNode.mutate({ projectId: f.projectId, name: "  ", kind: "data" }), "name");
    await refused(
      () => g.createNode.mutate({ projectId: f.projectId, name: "x".repeat(101), kind: "data" }),
      "name",
    );
    await refused(
      () => g.createNode.mutate({ projectId: f.projectId, name: "X", kind: "storage" as "data" }),
      "kind",
    );
    await refused(
      () => g.createNode.mutate({ projectId: f.projectId, name: "X", kind: "data", runtime: "python" }),
      "runtime",
    );
    await refused(
      () => g.createNode.mutate({ projectId: f.projectId, name: "X", kind: "compute", timeoutS: 0 }),
      "timeoutS",
    );
    await refused(
      () => g.createNode.mutate({ projectId: f.projectId, name: "X", kind: "compute", entry: "../evil.py" }),
      "entry",
    );
    await refused(() => g.createNode.mutate({ projectId: f.projectId, name: "nul\0", kind: "data" }), "name");
    await refused(() => g.updateNode.mutate({ nodeId: a.id, entry: "main.py" }), "entry");
    await refused(
      () => g.updateNode.mutate({ nodeId: compute.id, params: { big: "x".repeat(70 * 1024) } }),
      "params",
    );
    await refused(() => g.updateNode.mutate({ nodeId: compute.id, params: { s: "a\u0000b" } }), "params");
  });

  test("kind: refused once the node holds packages or files, and data nodes get no runtime", async () => {
    const g = f.owner.client.graph;
    const withFile = await g.createNode.mutate({ projectId: f.projectId, name: "F", kind: "compute" });
    await g.putFile.mutate({ nodeId: withFile.id, path: "main.py", content: "pass" });
    const e = await refused(() => g.updateNode.mutate({ nodeId: withFile.id, kind: "data" }), "kind");
    expect(e.message).toMatch(/without packages or files.*holds files/);
    const withPackage = await g.createNode.mutate({ projectId: f.projectId, name: "P", kind: "data" });
    await f.owner.client.packages.create.mutate({ nodeId: withPackage.id, dataLayerId: f.mainLayerId });
    const p = await refused(() => g.updateNode.mutate({ nodeId: withPackage.id, kind: "compute" }), "kind");
    expect(p.message).toMatch(/holds packages/);
    await refused(() => g.updateNode.mutate({ nodeId: compute.id, kind: "data", entry: "main.py" }), "entry");
    await refused(() => g.updateNode.mutate({ nodeId: a.id, kind: "storage" as "data" }), "kind");
    const graph = await g.get.query({ projectId: f.projectId });
    const kinds = Object.fromEntries(graph.nodes.map((n) => [n.name, n.kind]));
    expect(kinds).toMatchObject({ F: "compute", P: "data", C: "compute", A: "data" });
  });

  test("label filters: an invalid regex is BAD_REQUEST naming labelFilter, never 500", async () => {
    const g = f.owner.client.graph;
    const e = await refused(
      () =>
        g.createLink.mutate({
          projectId: f.projectId,
          fromNodeId: a.id,
          toNodeId: b.id,
          labelFilter: "(unclosed",
        }),
      "labelFilter",
    );
    expect(e.message).toMatch(/regular expression/);
    await refused(
      () =>
        g.createLink.mutate({
          projectId: f.projectId,
          fromNodeId: a.id,
          toNodeId: b.id,
          labelFilter: "a{2,1}",
        }),
      "labelFilter",
    );
    await refused(
      () =>
        g.createLink.mutate({
          projectId: f.projectId,
          fromNodeId: a.id,
          toNodeId: b.id,
          labelFilter: "a".repeat(257),
        }),
      "labelFilter",
    );
    // the connection is healthy afterwards and a valid filter still saves
    const ok = await g.createLink.mutate({
      projectId: f.projectId,
      fromNodeId: a.id,
      toNodeId: b.id,
      labelFilter: "^(a|b)+$",
    });
    expect(ok.labelFilter).toBe("^(a|b)+$");
  });

  test("links: self-links, nodes of other projects and duplicates are refused", async () => {
    const g = f.owner.client.graph;
    await refused(
      () => g.createLink.mutate({ projectId: f.projectId, fromNodeId: b.id, toNodeId: b.id }),
      "toNodeId",
    );
    const other = await f.owner.client.projects.create.mutate({ name: "Other" });
    const foreign = await g.createNode.mutate({ projectId: other.id, name: "F", kind: "data" });
    await refused(
      () => g.createLink.mutate({ projectId: f.projectId, fromNodeId: b.id, toNodeId: foreign.id }),
      "toNodeId",
    );
    await refused(
      () => g.createLink.mutate({ projectId: f.projectId, fromNodeId: foreign.id, toNodeId: b.id }),
      "fromNodeId",
    );
    await g.createLink.mutate({ projectId: f.projectId, fromNodeId: b.id, toNodeId: compute.id });
    const dup = await refused(
      () => g.createLink.mutate({ projectId: f.projectId, fromNodeId: b.id, toNodeId: compute.id }),
      "",
      "CONFLICT",
    );
    expect(dup.message).toMatch(/already linked/);
  });

  test("files: bad paths, oversize content, missing files", async () => {
    const g = f.owner.client.graph;
    for (const path of ["../x.py", "a/../../x", "/etc/passwd", "a//b", "./x", "", "x".repeat(256), "a\\b"]) {
      await refused(() => g.putFile.mutate({ nodeId: compute.id, path, content: "x" }), "path");
    }
    const e = await refused(
      () => g.putFile.mutate({ nodeId: compute.id, path: "big.txt", content: "é".repeat(600 * 1024) }),
      "content",
    );
    expect(e.message).toMatch(/1 MiB/);
    await refused(() => g.deleteFile.mutate({ nodeId: compute.id, path: "missing.py" }), "", "NOT_FOUND");
  });

  test("unknown ids are NOT_FOUND", async () => {
    const g = f.owner.client.graph;
    await expectTrpcError(g.get.query({ projectId: 999_999 }), "NOT_FOUND");
    await expectTrpcError(g.updateNode.mutate({ nodeId: 999_999, name: "x" }), "NOT_FOUND");
    await expectTrpcError(g.deleteNode.mutate({ nodeId: 999_999 }), "NOT_FOUND");
    await expectTrpcError(g.deleteLink.mutate({ linkId: 999_999 }), "NOT_FOUND");
    await expectTrpcError(
      g.setActive.mutate({ nodeId: a.id, dataLayerId: 999_999, active: false }),
      "NOT_FOUND",
    );
    await refused(() => g.get.query({ projectId: 0 }), "projectId");
  });

  test("a node deleted while a file is written to it or it is switched off: NOT_FOUND, as if never there", async () => {
    const g = f.owner.client.graph;
    const coded = await g.createNode.mutate({ projectId: f.projectId, name: "Doomed", kind: "compute" });
    await expectTrpcError(
      deleteDuring(h, { table: "nodes", id: coded.id }, 'insert into "node_files"', () =>
        g.putFile.mutate({ nodeId: coded.id, path: "main.py", content: "print(1)\n" }),
      ),
      "NOT_FOUND",
      /^Node not found/,
    );
    const switched = await g.createNode.mutate({ projectId: f.projectId, name: "Doomed too", kind: "data" });
    await expectTrpcError(
      deleteDuring(h, { table: "nodes", id: switched.id }, 'insert into "node_layer_state"', () =>
        g.setActive.mutate({ nodeId: switched.id, dataLayerId: f.mainLayerId, active: false }),
      ),
      "NOT_FOUND",
      /^Node not found/,
    );
  });
});
