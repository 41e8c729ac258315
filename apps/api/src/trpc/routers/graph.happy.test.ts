import { packages } from "@keyflow/core";
import { sql } from "@keyflow/db";
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

async function audits(action: string) {
  return h.db
    .selectFrom("audit_log")
    .selectAll()
    .where("project_id", "=", f.projectId)
    .where("action", "=", action)
    .execute();
}

describe("graph", () => {
  test("nodes: create data and compute nodes, with defaults, and read the graph", async () => {
    const g = f.owner.client.graph;
    const data = await g.createNode.mutate({ projectId: f.projectId, name: "Inbox", kind: "data" });
    expect(data).toMatchObject({ kind: "data", runtime: null, entry: null, timeoutS: 600, params: {} });
    const compute = await g.createNode.mutate({
      projectId: f.projectId,
      name: "Resize",
      kind: "compute",
      description: "makes thumbnails",
      runtime: "node",
      posX: 10,
      posY: 20,
    });
    expect(compute).toMatchObject({ runtime: "node", entry: "main.js", posX: 10, posY: 20, active: true });
    const py = await g.createNode.mutate({
      projectId: f.projectId,
      name: "Py",
      kind: "compute",
      timeoutS: 30,
    });
    expect(py).toMatchObject({ runtime: "python", entry: "main.py", timeoutS: 30 });

    const graph = await g.get.query({ projectId: f.projectId });
    expect(graph.nodes.map((n) => n.name)).toEqual(expect.arrayContaining(["Inbox", "Resize", "Py"]));
    expect((await audits("node.create")).length).toBeGreaterThanOrEqual(3);
  });

  test("updateNode changes fields, position and params", async () => {
    const g = f.owner.client.graph;
    const n = await g.createNode.mutate({ projectId: f.projectId, name: "Step", kind: "compute" });
    const u = await g.updateNode.mutate({
      nodeId: n.id,
      name: "Step 2",
      timeoutS: 120,
      entry: "src/run.py",
      params: { threshold: 0.5, tags: ["a"] },
      posX: 1.5,
      posY: -3,
    });
    expect(u).toMatchObject({ name: "Step 2", timeoutS: 120, entry: "src/run.py", posX: 1.5, posY: -3 });
    expect(u.params).toEqual({ threshold: 0.5, tags: ["a"] });
    const cleared = await g.updateNode.mutate({ nodeId: n.id, posX: null, posY: null });
    expect(cleared).toMatchObject({ posX: null, posY: null, name: "Step 2" });
    const [entry] = (await audits("node.update")).filter(
      (a) => (a.details as { nodeId: number }).nodeId === n.id,
    );
    expect(entry?.details).toMatchObject({ changed: expect.arrayContaining(["name", "params"]) });
  });

  test("updateNode changes the kind of an empty node, with the new kind's runtime and entry", async () => {
    const g = f.owner.client.graph;
    const n = await g.createNode.mutate({
      projectId: f.projectId,
      name: "Oops",
      kind: "compute",
      runtime: "node",
    });
    const data = await g.updateNode.mutate({ nodeId: n.id, kind: "data" });
    expect(data).toMatchObject({ kind: "data", runtime: null, entry: null });
    const back = await g.updateNode.mutate({ nodeId: n.id, kind: "compute" });
    expect(back).toMatchObject({ kind: "compute", runtime: "python", entry: "main.py" });
    const again = await g.updateNode.mutate({ nodeId: n.id, kind: "data" });
    const js = await g.updateNode.mutate({
      nodeId: again.id,
      kind: "compute",
      runtime: "node",
      entry: "run.js",
    });
    expect(js).toMatchObject({ kind: "compute", runtime: "node", entry: "run.js" });
    // the same kind is no change at all
    expect(await g.updateNode.mutate({ nodeId: n.id, kind: "compute" })).toMatchObject({ entry: "run.js" });
    const changes = (await audits("node.update")).filter(
      (a) => (a.details as { nodeId: number }).nodeId === n.id,
    );
    expect(changes.length).toBeGreaterThanOrEqual(4);
    expect(changes[0]?.details).toMatchObject({ changed: ["kind"] });
  });

  test("links: create with and without a label filter, list, delete", async () => {
    const g = f.owner.client.graph;
    const a = await g.createNode.mutate({ projectId: f.projectId, name: "A", kind: "data" });
    const b = await g.createNode.mutate({ projectId: f.projectId, name: "B", kind: "data" });
    const plain = await g.createLink.mutate({ projectId: f.projectId, fromNodeId: a.id, toNodeId: b.id });
    expect(plain).toMatchObject({ fromNodeId: a.id, toNodeId: b.id, labelFilter: null, filterError: null });
    const back = await g.createLink.mutate({
      projectId: f.projectId,
      fromNodeId: b.id,
      toNodeId: a.id,
      labelFilter: "^img-[0-9]+$",
    });
    expect(back.labelFilter).toBe("^img-[0-9]+$");
    // an empty filter means no filter
    const c = await g.createNode.mutate({ projectId: f.projectId, name: "C", kind: "data" });
    expect(
      (
        await g.createLink.mutate({
          projectId: f.projectId,
          fromNodeId: a.id,
          toNodeId: c.id,
          labelFilter: "",
        })
      ).labelFilter,
    ).toBeNull();

    const graph = await g.get.query({ projectId: f.projectId });
    expect(graph.links.map((l) => l.id)).toEqual(expect.arrayContaining([plain.id, back.id]));
    await g.deleteLink.mutate({ linkId: plain.id });
    const after = await g.get.query({ projectId: f.projectId });
    expect(after.links.map((l) => l.id)).not.toContain(plain.id);
    expect((await audits("link.delete")).length).toBe(1);
  });

  test("files: put, overwrite (keeps the executable flag), list, delete", async () => {
    const g = f.owner.client.graph;
    const n = await g.createNode.mutate({ projectId: f.projectId, name: "Coder", kind: "compute" });
    await g.putFile.mutate({ nodeId: n.id, path: "main.py", content: "print('hi')\n", executable: true });
    const put = await g.putFile.mutate({ nodeId: n.id, path: "main.py", content: "print('héllo')\n" });
    expect(put).toMatchObject({
      path: "main.py",
      executable: true,
      size: Buffer.byteLength("print('héllo')\n"),
    });
    await g.putFile.mutate({ nodeId: n.id, path: "lib/util.py", content: "" });
    const files = await g.listFiles.query({ nodeId: n.id });
    expect(files.map((x) => x.path)).toEqual(["lib/util.py", "main.py"]);
    expect(files[1]).toMatchObject({ content: "print('héllo')\n", executable: true });
    await g.deleteFile.mutate({ nodeId: n.id, path: "lib/util.py" });
    expect((await g.listFiles.query({ nodeId: n.id })).map((x) => x.path)).toEqual(["main.py"]);
    expect((await audits("node.file_put")).length).toBe(3);
    expect((await audits("node.file_delete")).length).toBe(1);
  });

  test("setActive switches a node off in one layer only", async () => {
    const g = f.owner.client.graph;
    const n = await g.createNode.mutate({ projectId: f.projectId, name: "Worker", kind: "compute" });
    const other = await f.owner.client.dataLayers.create.mutate({
      projectId: f.projectId,
      name: "Staging",
      kind: "shared",
    });
    expect(await g.setActive.mutate({ nodeId: n.id, dataLayerId: f.mainLayerId, active: false })).toEqual({
      nodeId: n.id,
      dataLayerId: f.mainLayerId,
      active: false,
    });
    const inMain = await g.get.query({ projectId: f.projectId, dataLayerId: f.mainLayerId });
    const inOther = await g.get.query({ projectId: f.projectId, dataLayerId: other.id });
    expect(inMain.nodes.find((x) => x.id === n.id)?.active).toBe(false);
    expect(inOther.nodes.find((x) => x.id === n.id)?.active).toBe(true);
    await g.setActive.mutate({ nodeId: n.id, dataLayerId: f.mainLayerId, active: true });
    const again = await g.get.query({ projectId: f.projectId, dataLayerId: f.mainLayerId });
    expect(again.nodes.find((x) => x.id === n.id)?.active).toBe(true);
  });

  test("get reports each compute node's newest job in the requested layer", async () => {
    const g = f.owner.client.graph;
    const src = await g.createNode.mutate({ projectId: f.projectId, name: "Jobs source", kind: "data" });
    const busy = await g.createNode.mutate({ projectId: f.projectId, name: "Busy", kind: "compute" });
    const idle = await g.createNode.mutate({ projectId: f.projectId, name: "Idle", kind: "compute" });
    await g.createLink.mutate({ projectId: f.projectId, fromNodeId: src.id, toNodeId: busy.id });
    const staging = await f.owner.client.dataLayers.create.mutate({
      projectId: f.projectId,
      name: "Jobs staging",
      kind: "shared",
    });
    const main = f.mainLayerId;
    const jobOf = async (packageId: number) =>
      (
        await h.db
          .selectFrom("jobs")
          .select("id")
          .where("node_id", "=", busy.id)
          .where("package_id", "=", packageId)
          .executeTakeFirstOrThrow()
      ).id;
    const lastJobs = async (dataLayerId?: number, client = f.owner.client) => {
      const graph = await client.graph.get.query({ projectId: f.projectId, dataLayerId });
      const of = (id: number) => graph.nodes.find((n) => n.id === id)?.lastJob;
      return { src: of(src.id), busy: of(busy.id), idle: of(idle.id) };
    };

    expect(await lastJobs(main)).toEqual({ src: null, busy: null, idle: null });

    // a package pushed to the compute node queues its job (no worker runs here, so it stays queued)
    const p1 = await f.owner.client.packages.create.mutate({
      nodeId: src.id,
      dataLayerId: main,
      label: "one",
    });
    const [copy1] = await h.db.selectFrom("packages").select("id").where("parent_id", "=", p1.id).execute();
    const j1 = await jobOf(copy1!.id);
    expect(await lastJobs(main)).toEqual({
      src: null,
      busy: { id: j1, state: "queued", finishedAt: null },
      idle: null,
    });

    // a newer job replaces it; once it times out the graph says so, with when
    await f.owner.client.packages.create.mutate({ nodeId: src.id, dataLayerId: main, label: "two" });
    const j2 = await h.db
      .selectFrom("jobs")
      .select(["id", "package_id"])
      .where("node_id", "=", busy.id)
      .where("id", "!=", j1)
      .executeTakeFirstOrThrow();
    expect(j2.id).toBeGreaterThan(j1);
    const finished = new Date("2026-01-02T03:04:05.678Z");
    await h.db
      .updateTable("jobs")
      .set({ state: "failed", finished_at: finished })
      .where("id", "=", j1)
      .execute();
    expect((await lastJobs(main)).busy).toEqual({ id: j2.id, state: "queued", finishedAt: null });
    await h.db
      .updateTable("jobs")
      .set({ state: "timeout", finished_at: finished })
      .where("id", "=", j2.id)
      .execute();
    expect((await lastJobs(main)).busy).toEqual({ id: j2.id, state: "timeout", finishedAt: finished });

    // per layer: a job in another layer (a row inserted directly) shows only there
    const stagingPkg = await f.owner.client.packages.create.mutate({
      nodeId: src.id,
      dataLayerId: staging.id,
      label: "staged",
    });
    const j3 = await h.db
      .insertInto("jobs")
      .values({
        project_id: f.projectId,
        node_id: idle.id,
        package_id: stagingPkg.id,
        data_layer_id: staging.id,
        state: "completed",
        finished_at: finished,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const inStaging = await lastJobs(staging.id);
    expect(inStaging.idle).toEqual({ id: j3.id, state: "completed", finishedAt: finished });
    // the staged package's own job (pushed to Busy in that layer), not main's
    expect(inStaging.busy).toMatchObject({ state: "queued", finishedAt: null });
    expect(inStaging.busy!.id).toBeGreaterThan(j2.id);
    expect((await lastJobs(main)).idle).toBeNull();

    // no layer asked: no jobs reported
    expect(await lastJobs()).toEqual({ src: null, busy: null, idle: null });

    // jobs need package_view on the node, as jobs.list does
    const viewer = await f.memberWith({ project: ["project_view", "graph_view"] }, "Graph viewer");
    expect(await lastJobs(main, viewer.client)).toEqual({ src: null, busy: null, idle: null });
    const reader = await f.memberWith(
      { project: ["project_view", "graph_view"], nodes: { [busy.id]: ["package_view"] } },
      "Busy reader",
    );
    expect(await lastJobs(main, reader.client)).toEqual({
      src: null,
      busy: { id: j2.id, state: "timeout", finishedAt: finished },
      idle: null,
    });
  });

  test("deleteNode cascades to links, packages, files, role grants; frees unshared blobs only", async () => {
    const g = f.owner.client.graph;
    const a = await g.createNode.mutate({ projectId: f.projectId, name: "Doomed", kind: "data" });
    const b = await g.createNode.mutate({ projectId: f.projectId, name: "Keeper", kind: "data" });
    await g.createLink.mutate({
      projectId: f.projectId,
      fromNodeId: a.id,
      toNodeId: b.id,
      labelFilter: "^keep",
    });
    await g.putFile.mutate({ nodeId: a.id, path: "x.txt", content: "x" });
    await f.owner.client.roles.create.mutate({
      projectId: f.projectId,
      name: "Doomed viewer",
      permissions: { project: ["project_view"], nodes: { [a.id]: ["package_view"] } },
    });
    const store = packages.pgBlobStore(h.db);
    const only = await store.put(Buffer.from(`only in doomed ${a.id}`));
    const shared = await store.put(Buffer.from(`shared ${a.id}`));
    const layer = f.mainLayerId;
    await f.owner.client.packages.create.mutate({
      nodeId: a.id,
      dataLayerId: layer,
      label: "drop",
      files: [{ name: "only.bin", contentHash: only }],
    });
    // pushed to the keeper, which then references the shared blob too
    await f.owner.client.packages.create.mutate({
      nodeId: a.id,
      dataLayerId: layer,
      label: "keep me",
      files: [{ name: "shared.bin", contentHash: shared }],
    });

    await g.deleteNode.mutate({ nodeId: a.id });

    const count = async (table: string, col: string) => {
      const r = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}
        where ${sql.ref(col)} = ${a.id}`.execute(h.db);
      return r.rows[0]!.n;
    };
    expect(await count("links", "from_node_id")).toBe(0);
    expect(await count("packages", "node_id")).toBe(0);
    expect(await count("node_files", "node_id")).toBe(0);
    expect(await count("role_node_permissions", "node_id")).toBe(0);
    expect(await store.get(only)).toBeNull();
    expect((await store.get(shared))?.toString()).toBe(`shared ${a.id}`);
    const kept = await f.owner.client.packages.search.query({ nodeId: b.id, dataLayerId: layer });
    expect(kept.items.map((p) => p.label)).toEqual(["keep me"]);
    expect((await g.get.query({ projectId: f.projectId })).nodes.map((n) => n.id)).not.toContain(a.id);
    expect(await rows(h, "audit_log")).toBeGreaterThan(0);
    expect((await audits("node.delete")).length).toBe(1);
  });
});

test("graph.get names the API key templates whose fields point at a node", async () => {
  const { client } = await h.user("Referenced");
  const p = await client.projects.create.mutate({ name: "Refs" });
  const role = await client.roles.create.mutate({
    projectId: p.id,
    name: "R",
    permissions: { project: ["project_view"], nodes: {} },
  });
  const input = await client.graph.createNode.mutate({ projectId: p.id, name: "input", kind: "data" });
  const other = await client.graph.createNode.mutate({ projectId: p.id, name: "other", kind: "data" });
  const t = await client.apiKeys.createTemplate.mutate({
    projectId: p.id,
    name: "Public API",
    roleId: role.id,
  });
  await client.apiKeys.updateField.mutate({
    fieldId: t.fields.find((f) => f.name === "input")!.id,
    nodeId: input.id,
  });
  const g = await client.graph.get.query({ projectId: p.id });
  expect(g.nodes.find((n) => n.id === input.id)?.usedByTemplates).toEqual(["Public API"]);
  expect(g.nodes.find((n) => n.id === other.id)?.usedByTemplates).toEqual([]);
});
