import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Fixture, projectWithMembers, snapshot } from "../../../test/graphFixtures";
import { type Client, createHarness, expectTrpcError, type Harness } from "../../../test/harness";

let h: Harness;
let f: Fixture;
let a: { id: number };
let b: { id: number };
let pkgA: { id: number };
let pkgB: { id: number };
beforeAll(async () => {
  h = await createHarness();
  f = await projectWithMembers(h);
  a = await f.owner.client.graph.createNode.mutate({ projectId: f.projectId, name: "A", kind: "data" });
  b = await f.owner.client.graph.createNode.mutate({ projectId: f.projectId, name: "B", kind: "data" });
  pkgA = await f.owner.client.packages.create.mutate({
    nodeId: a.id,
    dataLayerId: f.mainLayerId,
    label: "a",
  });
  pkgB = await f.owner.client.packages.create.mutate({
    nodeId: b.id,
    dataLayerId: f.mainLayerId,
    label: "b",
  });
});
afterAll(() => h.close());

const procedures: Record<string, (c: Client) => Promise<unknown>> = {
  create: (c) => c.packages.create.mutate({ nodeId: a.id, dataLayerId: f.mainLayerId, label: "new" }),
  search: (c) => c.packages.search.query({ nodeId: a.id, dataLayerId: f.mainLayerId }),
  get: (c) => c.packages.get.query({ packageId: pkgA.id }),
  files: (c) => c.packages.files.query({ packageId: pkgA.id }),
};

describe("packages permission matrix", () => {
  for (const [name, call] of Object.entries(procedures)) {
    test(`${name}: owner OK, viewer FORBIDDEN, stranger NOT_FOUND, signed-out UNAUTHORIZED`, async () => {
      const before = await snapshot(h);
      await expectTrpcError(call(f.member.client), "FORBIDDEN", /package_/);
      await expectTrpcError(call(f.stranger.client), "NOT_FOUND");
      await expectTrpcError(call(f.anon), "UNAUTHORIZED");
      expect(await snapshot(h)).toEqual(before);
      await call(f.owner.client);
    });
  }
});

describe("packages permissions in detail", () => {
  test("node-level package grants cover that node only", async () => {
    const m = await f.memberWith({
      project: ["project_view"],
      nodes: { [a.id]: ["package_view", "package_create"] },
    });
    expect(
      (await m.client.packages.search.query({ nodeId: a.id, dataLayerId: f.mainLayerId })).total,
    ).toBeGreaterThan(0);
    expect((await m.client.packages.get.query({ packageId: pkgA.id })).label).toBe("a");
    await m.client.packages.create.mutate({ nodeId: a.id, dataLayerId: f.mainLayerId });
    await expectTrpcError(
      m.client.packages.search.query({ nodeId: b.id, dataLayerId: f.mainLayerId }),
      "FORBIDDEN",
    );
    await expectTrpcError(m.client.packages.get.query({ packageId: pkgB.id }), "FORBIDDEN");
    await expectTrpcError(
      m.client.packages.create.mutate({ nodeId: b.id, dataLayerId: f.mainLayerId }),
      "FORBIDDEN",
    );
  });

  test("another user's personal layer is NOT_FOUND; a manager reads it but cannot write", async () => {
    const perms = { project: ["project_view" as const, "package_view" as const, "package_create" as const] };
    const x = await f.memberWith(perms, "Xavier");
    const y = await f.memberWith(perms, "Yvonne");
    const layer = await x.client.dataLayers.create.mutate({
      projectId: f.projectId,
      name: "Xavier's",
      kind: "personal",
    });
    const mine = await x.client.packages.create.mutate({
      nodeId: a.id,
      dataLayerId: layer.id,
      label: "private",
    });
    expect((await x.client.packages.search.query({ nodeId: a.id, dataLayerId: layer.id })).total).toBe(1);

    const before = await snapshot(h);
    await expectTrpcError(
      y.client.packages.search.query({ nodeId: a.id, dataLayerId: layer.id }),
      "NOT_FOUND",
    );
    await expectTrpcError(y.client.packages.get.query({ packageId: mine.id }), "NOT_FOUND");
    await expectTrpcError(y.client.packages.files.query({ packageId: mine.id }), "NOT_FOUND");
    await expectTrpcError(
      y.client.packages.create.mutate({ nodeId: a.id, dataLayerId: layer.id }),
      "NOT_FOUND",
    );
    await expectTrpcError(
      f.owner.client.packages.create.mutate({ nodeId: a.id, dataLayerId: layer.id }),
      "FORBIDDEN",
      /read-only/,
    );
    expect(await snapshot(h)).toEqual(before);

    expect((await f.owner.client.packages.get.query({ packageId: mine.id })).label).toBe("private");
    expect((await f.owner.client.packages.search.query({ nodeId: a.id, dataLayerId: layer.id })).total).toBe(
      1,
    );
  });

  test("a public role's package_view lets signed-out visitors read, never create", async () => {
    const pub = await f.owner.client.projects.create.mutate({ name: "Open data", isPublic: true });
    const n = await f.owner.client.graph.createNode.mutate({
      projectId: pub.id,
      name: "Shared",
      kind: "data",
    });
    const [main] = await f.owner.client.dataLayers.list.query({ projectId: pub.id });
    const p = await f.owner.client.packages.create.mutate({
      nodeId: n.id,
      dataLayerId: main!.id,
      label: "open",
    });
    await f.owner.client.roles.create.mutate({
      projectId: pub.id,
      name: "Everyone",
      isPublic: true,
      permissions: { project: ["project_view", "package_view", "package_create"], nodes: {} },
    });
    expect((await f.anon.packages.get.query({ packageId: p.id })).label).toBe("open");
    expect((await f.anon.packages.search.query({ nodeId: n.id, dataLayerId: main!.id })).total).toBe(1);
    await expectTrpcError(
      f.anon.packages.create.mutate({ nodeId: n.id, dataLayerId: main!.id }),
      "UNAUTHORIZED",
    );
  });
});
