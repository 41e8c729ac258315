import { packages } from "@keyflow/core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Fixture, projectWithMembers, rows } from "../../../test/graphFixtures";
import { createHarness, type Harness } from "../../../test/harness";

let h: Harness;
let f: Fixture;
beforeAll(async () => {
  h = await createHarness();
  f = await projectWithMembers(h);
});
afterAll(() => h.close());

const node = (name: string, kind: "data" | "compute" = "data") =>
  f.owner.client.graph.createNode.mutate({ projectId: f.projectId, name, kind });
const link = (fromNodeId: number, toNodeId: number, labelFilter?: string) =>
  f.owner.client.graph.createLink.mutate({ projectId: f.projectId, fromNodeId, toNodeId, labelFilter });
const create = (nodeId: number, label: string, fields: Record<string, unknown> = {}) =>
  f.owner.client.packages.create.mutate({ nodeId, dataLayerId: f.mainLayerId, label, fields });
const search = (nodeId: number, extra: { masterId?: number | null; page?: number; pageSize?: number } = {}) =>
  f.owner.client.packages.search.query({ nodeId, dataLayerId: f.mainLayerId, ...extra });
const dbPackage = (id: number) =>
  h.db.selectFrom("packages").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

describe("packages", () => {
  test("a package created from outside is its own master, in the RnDFlow JSON shape", async () => {
    const n = await node("Inbox");
    const p = await create(n.id, "first", { size: 3, tags: ["a", "b"], nested: { ok: true } });
    expect(p).toEqual({
      id: expect.any(Number),
      label: "first",
      fields: expect.arrayContaining([
        { name: "size", value: 3 },
        { name: "tags", value: ["a", "b"] },
        { name: "nested", value: { ok: true } },
      ]),
      master_id: p.id,
      parent_id: null,
      node_id: n.id,
      data_layer_id: f.mainLayerId,
      created_at: expect.any(Date),
    });
    expect(await f.owner.client.packages.get.query({ packageId: p.id })).toEqual(p);
    expect(await f.owner.client.packages.get.query({ packageId: p.id, nodeId: n.id })).toEqual(p);
    const row = await dbPackage(p.id);
    expect(row).toMatchObject({ origin: "external", node_path: [n.id], created_by: f.owner.user.id });
  });

  test("search: newest first, paginated with the total, filtered by master", async () => {
    const n = await node("Many");
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await create(n.id, `p${i}`));
    const page1 = await search(n.id, { pageSize: 2 });
    expect(page1.total).toBe(5);
    expect(page1.items.map((p) => p.label)).toEqual(["p4", "p3"]);
    expect((await search(n.id, { page: 3, pageSize: 2 })).items.map((p) => p.label)).toEqual(["p0"]);
    expect(await search(n.id, { page: 4, pageSize: 2 })).toEqual({ total: 5, items: [] });
    expect((await search(n.id)).items).toHaveLength(5);
    const one = await search(n.id, { masterId: made[2]!.id });
    expect(one).toEqual({ total: 1, items: [made[2]] });
    expect((await search(n.id, { masterId: null })).total).toBe(5);
  });

  test("push links copy matching packages: master kept, parent = source, filter respected", async () => {
    const a = await node("Source");
    const images = await node("Images");
    const all = await node("Everything");
    await link(a.id, images.id, "^img-[0-9]+$");
    await link(a.id, all.id);
    const img = await create(a.id, "img-42", { w: 1 });
    const doc = await create(a.id, "doc-7");

    const inImages = await search(images.id);
    expect(inImages.items.map((p) => p.label)).toEqual(["img-42"]);
    const copy = inImages.items[0]!;
    expect(copy).toMatchObject({
      master_id: img.id,
      parent_id: img.id,
      node_id: images.id,
      fields: [{ name: "w", value: 1 }],
    });
    expect(copy.id).not.toBe(img.id);
    expect((await dbPackage(copy.id)).origin).toBe("push");

    const inAll = await search(all.id);
    expect(inAll.items.map((p) => [p.label, p.master_id, p.parent_id])).toEqual([
      ["doc-7", doc.id, doc.id],
      ["img-42", img.id, img.id],
    ]);
  });

  test("chains push transitively; the lineage is found by master_id in every node", async () => {
    const a = await node("C1");
    const b = await node("C2");
    const c = await node("C3");
    await link(a.id, b.id);
    await link(b.id, c.id);
    const p = await create(a.id, "walk");
    const inB = await search(b.id, { masterId: p.id });
    const inC = await search(c.id, { masterId: p.id });
    expect(inB.total).toBe(1);
    expect(inC.items[0]).toMatchObject({ master_id: p.id, parent_id: inB.items[0]!.id });
    expect((await dbPackage(inC.items[0]!.id)).node_path).toEqual([a.id, b.id, c.id]);
  });

  test("a cycle A → B → A terminates: each node holds the lineage once", async () => {
    const a = await node("Ping");
    const b = await node("Pong");
    await link(a.id, b.id);
    await link(b.id, a.id);
    const p = await create(a.id, "ball");
    expect((await search(a.id, { masterId: p.id })).total).toBe(1);
    expect((await search(b.id, { masterId: p.id })).total).toBe(1);
  });

  test("files are copied by reference; the blob is stored once", async () => {
    const a = await node("Files in");
    const b = await node("Files out");
    await link(a.id, b.id);
    const store = packages.pgBlobStore(h.db);
    const hash = await store.put(Buffer.from("hello blob"));
    expect(await store.put(Buffer.from("hello blob"))).toBe(hash);
    expect(hash).toBe(packages.sha256Hex(Buffer.from("hello blob")));
    const blobs = await rows(h, "blobs");
    const p = await f.owner.client.packages.create.mutate({
      nodeId: a.id,
      dataLayerId: f.mainLayerId,
      label: "with file",
      files: [{ name: "data/hello.txt", contentHash: hash, isExecutable: true }],
    });
    const expected = [
      { name: "data/hello.txt", contentHash: hash, size: 10, type: "file", isExecutable: true },
    ];
    expect(await f.owner.client.packages.files.query({ packageId: p.id })).toEqual(expected);
    const copy = (await search(b.id)).items[0]!;
    expect(await f.owner.client.packages.files.query({ packageId: copy.id })).toEqual(expected);
    expect(await rows(h, "blobs")).toBe(blobs);
    expect((await store.get(hash))?.toString()).toBe("hello blob");
  });

  test("a filter failing at match time marks the link and skips that push; the insert succeeds", async () => {
    const a = await node("Strict");
    const b = await node("Never");
    const c = await node("Always");
    const broken = await link(a.id, b.id, "^x");
    await link(a.id, c.id);
    // a filter that compiled on save but fails now (e.g. saved by an older version)
    await h.db.updateTable("links").set({ label_filter: "(" }).where("id", "=", broken.id).execute();
    const p = await create(a.id, "x1");
    expect(p.label).toBe("x1");
    expect((await search(b.id)).total).toBe(0);
    expect((await search(c.id)).total).toBe(1);
    const marked = (await f.owner.client.graph.get.query({ projectId: f.projectId })).links.find(
      (l) => l.id === broken.id,
    );
    expect(marked?.filterError).toMatch(/regular expression/);
    // repaired, the next match clears the mark
    await h.db.updateTable("links").set({ label_filter: "^x" }).where("id", "=", broken.id).execute();
    await create(a.id, "x2");
    expect((await search(b.id)).items.map((x) => x.label)).toEqual(["x2"]);
    const fixed = (await f.owner.client.graph.get.query({ projectId: f.projectId })).links.find(
      (l) => l.id === broken.id,
    );
    expect(fixed?.filterError).toBeNull();
  });

  test("job outputs (insertPackage origin 'job') keep the master, take the input as parent and push on", async () => {
    const input = await node("Job in", "compute");
    const out = await node("Job out");
    await link(input.id, out.id);
    const p = await create(input.id, "input");
    const result = await h.db.transaction().execute((trx) =>
      packages.insertPackage(trx, {
        origin: "job",
        parentId: p.id,
        nodeId: input.id,
        dataLayerId: f.mainLayerId,
        label: "output",
        fields: { score: 0.9 },
        files: [],
        createdBy: null,
      }),
    );
    expect(result.package).toMatchObject({
      master_id: p.id,
      parent_id: p.id,
      origin: "job",
      node_id: input.id,
    });
    expect(result.pushed.map((x) => x.node_id)).toEqual([out.id]);
    // the input is the job's: a compute node pushes on only its outputs
    const inOut = await search(out.id, { masterId: p.id });
    expect(inOut.items.map((x) => [x.label, x.parent_id])).toEqual([["output", result.package.id]]);
  });

  test("pushes stay in the source's data layer", async () => {
    const a = await node("Layered");
    const b = await node("Layered target");
    await link(a.id, b.id);
    const staging = await f.owner.client.dataLayers.create.mutate({
      projectId: f.projectId,
      name: "Staging",
      kind: "shared",
    });
    await f.owner.client.packages.create.mutate({ nodeId: a.id, dataLayerId: staging.id, label: "s" });
    expect((await search(b.id)).total).toBe(0);
    const inStaging = await f.owner.client.packages.search.query({ nodeId: b.id, dataLayerId: staging.id });
    expect(inStaging.items.map((p) => [p.label, p.data_layer_id])).toEqual([["s", staging.id]]);
  });

  test("a lineage stops after passing through 64 nodes", async () => {
    const ids: number[] = [];
    for (let i = 0; i < 66; i++) {
      const n = await h.db
        .insertInto("nodes")
        .values({ project_id: f.projectId, name: `Deep ${i}`, kind: "data" })
        .returning("id")
        .executeTakeFirstOrThrow();
      ids.push(n.id);
    }
    await h.db
      .insertInto("links")
      .values(
        ids.slice(1).map((to, i) => ({ project_id: f.projectId, from_node_id: ids[i]!, to_node_id: to })),
      )
      .execute();
    const p = await create(ids[0]!, "deep");
    const lineage = await h.db
      .selectFrom("packages")
      .select("node_id")
      .where("master_id", "=", p.id)
      .execute();
    expect(lineage).toHaveLength(packages.MAX_DEPTH);
    expect(lineage.map((r) => r.node_id)).not.toContain(ids[64]);
  });
});
