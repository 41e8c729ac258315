import { Access, dataLayers, type Principal } from "@keyflow/core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Fixture, projectWithMembers, snapshot } from "../../../test/graphFixtures";
import { createHarness, expectTrpcError, type Harness } from "../../../test/harness";

let h: Harness;
let f: Fixture;
beforeAll(async () => {
  h = await createHarness();
  f = await projectWithMembers(h);
});
afterAll(() => h.close());

describe("data layer permission matrix", () => {
  test("list: members OK, stranger NOT_FOUND, signed-out UNAUTHORIZED", async () => {
    await f.owner.client.dataLayers.list.query({ projectId: f.projectId });
    await f.member.client.dataLayers.list.query({ projectId: f.projectId });
    await expectTrpcError(f.stranger.client.dataLayers.list.query({ projectId: f.projectId }), "NOT_FOUND");
    await expectTrpcError(f.anon.dataLayers.list.query({ projectId: f.projectId }), "UNAUTHORIZED");
  });

  test("create shared: project_manage only", async () => {
    const input = { projectId: f.projectId, name: "New", kind: "shared" as const };
    const before = await snapshot(h);
    await expectTrpcError(f.member.client.dataLayers.create.mutate(input), "FORBIDDEN", /project_manage/);
    await expectTrpcError(f.stranger.client.dataLayers.create.mutate(input), "NOT_FOUND");
    await expectTrpcError(f.anon.dataLayers.create.mutate(input), "UNAUTHORIZED");
    expect(await snapshot(h)).toEqual(before);
    await f.owner.client.dataLayers.create.mutate(input);
  });

  test("create personal: needs package_create somewhere", async () => {
    const input = { projectId: f.projectId, name: "Mine", kind: "personal" as const };
    await expectTrpcError(f.member.client.dataLayers.create.mutate(input), "FORBIDDEN", /package_create/);
    const n = await f.owner.client.graph.createNode.mutate({
      projectId: f.projectId,
      name: "N",
      kind: "data",
    });
    const m = await f.memberWith({ project: ["project_view"], nodes: { [n.id]: ["package_create"] } });
    await m.client.dataLayers.create.mutate(input);
  });

  test("delete: shared needs project_manage; personal only its owner; others' personal NOT_FOUND", async () => {
    const shared = await f.owner.client.dataLayers.create.mutate({
      projectId: f.projectId,
      name: "Doomed",
      kind: "shared",
    });
    const x = await f.memberWith({ project: ["project_view", "package_create"] }, "Xena");
    const y = await f.memberWith({ project: ["project_view", "package_create"] }, "Yuri");
    const personal = await x.client.dataLayers.create.mutate({
      projectId: f.projectId,
      name: "X's",
      kind: "personal",
    });

    const before = await snapshot(h);
    await expectTrpcError(x.client.dataLayers.delete.mutate({ dataLayerId: shared.id }), "FORBIDDEN");
    await expectTrpcError(
      f.stranger.client.dataLayers.delete.mutate({ dataLayerId: shared.id }),
      "NOT_FOUND",
    );
    await expectTrpcError(f.anon.dataLayers.delete.mutate({ dataLayerId: shared.id }), "UNAUTHORIZED");
    await expectTrpcError(y.client.dataLayers.delete.mutate({ dataLayerId: personal.id }), "NOT_FOUND");
    // the manager can see it but it is not theirs
    await expectTrpcError(f.owner.client.dataLayers.delete.mutate({ dataLayerId: personal.id }), "FORBIDDEN");
    expect(await snapshot(h)).toEqual(before);
    expect((await y.client.dataLayers.list.query({ projectId: f.projectId })).map((l) => l.id)).not.toContain(
      personal.id,
    );

    await f.owner.client.dataLayers.delete.mutate({ dataLayerId: shared.id });
    await x.client.dataLayers.delete.mutate({ dataLayerId: personal.id });
  });
});

describe("layerRights (shared by tRPC, REST and the executor)", () => {
  const layer = (id: number, kind: "shared" | "personal", owner_id: number | null, project_id = 1) => ({
    id,
    kind,
    owner_id,
    project_id,
  });
  const access = (principal: Principal, perms: string[] = ["project_view"]) =>
    new Access(principal, 1, new Set(perms as never[]), new Map(), principal.kind === "user");
  const key = (allowSharedLayers: boolean): Principal => ({
    kind: "apiKey",
    keyId: 1,
    userId: 7,
    projectId: 1,
    roleId: 1,
    dataLayerId: 10,
    allowSharedLayers,
  });

  test("an API key uses only its own personal layer unless shared layers are allowed", () => {
    const own = layer(10, "personal", 7);
    const otherHolder = layer(11, "personal", 8);
    const shared = layer(1, "shared", null);
    // even a second personal layer of the same holder is not the key's layer
    const sameHolderOther = layer(12, "personal", 7);
    const plain = access(key(false));
    expect(dataLayers.layerRights(plain, own)).toEqual({ read: true, write: true });
    expect(dataLayers.layerRights(plain, shared)).toEqual({ read: false, write: false });
    expect(dataLayers.layerRights(plain, otherHolder)).toEqual({ read: false, write: false });
    expect(dataLayers.layerRights(plain, sameHolderOther)).toEqual({ read: false, write: false });
    const wide = access(key(true));
    expect(dataLayers.layerRights(wide, shared)).toEqual({ read: true, write: true });
    expect(dataLayers.layerRights(wide, otherHolder)).toEqual({ read: false, write: false });
  });

  test("users: shared and own layers; managers read others' personal layers; visitors read shared", () => {
    const user: Principal = { kind: "user", userId: 7 };
    expect(dataLayers.layerRights(access(user), layer(1, "shared", null))).toEqual({
      read: true,
      write: true,
    });
    expect(dataLayers.layerRights(access(user), layer(2, "personal", 7))).toEqual({
      read: true,
      write: true,
    });
    expect(dataLayers.layerRights(access(user), layer(3, "personal", 8))).toEqual({
      read: false,
      write: false,
    });
    expect(
      dataLayers.layerRights(access(user, ["project_view", "project_manage"]), layer(3, "personal", 8)),
    ).toEqual({
      read: true,
      write: false,
    });
    expect(dataLayers.layerRights(access(user), layer(4, "shared", null, 2))).toEqual({
      read: false,
      write: false,
    });
    expect(dataLayers.layerRights(access({ kind: "anonymous" }), layer(1, "shared", null))).toEqual({
      read: true,
      write: false,
    });
  });
});
