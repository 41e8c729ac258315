import { packages } from "@keyflow/core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Fixture, projectWithMembers } from "../../../test/graphFixtures";
import { createHarness, type Harness } from "../../../test/harness";

let h: Harness;
let f: Fixture;
beforeAll(async () => {
  h = await createHarness();
  f = await projectWithMembers(h);
});
afterAll(() => h.close());

describe("data layers", () => {
  test("a new project has the shared layer Main", async () => {
    const layers = await f.owner.client.dataLayers.list.query({ projectId: f.projectId });
    expect(layers).toEqual([
      expect.objectContaining({
        id: f.mainLayerId,
        name: "Main",
        kind: "shared",
        ownerId: null,
        writable: true,
      }),
    ]);
    // every member sees shared layers
    expect(
      (await f.member.client.dataLayers.list.query({ projectId: f.projectId })).map((l) => l.id),
    ).toEqual([f.mainLayerId]);
  });

  test("create shared and personal layers; each user sees their own personal layers", async () => {
    const shared = await f.owner.client.dataLayers.create.mutate({
      projectId: f.projectId,
      name: "Staging",
      kind: "shared",
    });
    expect(shared).toMatchObject({ name: "Staging", kind: "shared", ownerId: null, writable: true });
    const m = await f.memberWith({ project: ["project_view", "package_create"] }, "Pat");
    const personal = await m.client.dataLayers.create.mutate({
      projectId: f.projectId,
      name: "Sandbox",
      kind: "personal",
    });
    expect(personal).toMatchObject({
      kind: "personal",
      ownerId: m.user.id,
      ownerName: "Pat",
      writable: true,
    });

    expect((await m.client.dataLayers.list.query({ projectId: f.projectId })).map((l) => l.name)).toEqual([
      "Main",
      "Staging",
      "Sandbox",
    ]);
    expect(
      (await f.member.client.dataLayers.list.query({ projectId: f.projectId })).map((l) => l.name),
    ).toEqual(["Main", "Staging"]);
    // a manager reads every personal layer, read-only
    const seen = await f.owner.client.dataLayers.list.query({ projectId: f.projectId });
    expect(seen.find((l) => l.id === personal.id)).toMatchObject({ writable: false, ownerName: "Pat" });
    const audit = await h.db
      .selectFrom("audit_log")
      .select("action")
      .where("project_id", "=", f.projectId)
      .execute();
    expect(audit.filter((a) => a.action === "data_layer.create")).toHaveLength(2);
  });

  test("deleting a layer removes its packages and frees their blobs", async () => {
    const node = await f.owner.client.graph.createNode.mutate({
      projectId: f.projectId,
      name: "N",
      kind: "data",
    });
    const layer = await f.owner.client.dataLayers.create.mutate({
      projectId: f.projectId,
      name: "Temp",
      kind: "shared",
    });
    const store = packages.pgBlobStore(h.db);
    const hash = await store.put(Buffer.from("temporary bytes"));
    await f.owner.client.packages.create.mutate({
      nodeId: node.id,
      dataLayerId: layer.id,
      files: [{ name: "t", contentHash: hash }],
    });
    const kept = await f.owner.client.packages.create.mutate({ nodeId: node.id, dataLayerId: f.mainLayerId });
    expect(await f.owner.client.dataLayers.delete.mutate({ dataLayerId: layer.id })).toEqual({
      id: layer.id,
    });
    expect(
      (await f.owner.client.dataLayers.list.query({ projectId: f.projectId })).map((l) => l.id),
    ).not.toContain(layer.id);
    expect(
      await h.db.selectFrom("packages").select("id").where("data_layer_id", "=", layer.id).execute(),
    ).toEqual([]);
    expect(await store.get(hash)).toBeNull();
    expect((await f.owner.client.packages.get.query({ packageId: kept.id })).id).toBe(kept.id);
  });

  test("owners delete their own personal layer", async () => {
    const m = await f.memberWith({ project: ["project_view", "package_create"] });
    const personal = await m.client.dataLayers.create.mutate({
      projectId: f.projectId,
      name: "Mine",
      kind: "personal",
    });
    await m.client.dataLayers.delete.mutate({ dataLayerId: personal.id });
    expect((await m.client.dataLayers.list.query({ projectId: f.projectId })).map((l) => l.id)).not.toContain(
      personal.id,
    );
  });
});
