import { createTestDatabase, type TestDatabase } from "@keyflow/db/testing";
import { createUser, waitFor } from "@keyflow/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { dataLayers, graph, type Principal, packages, projects } from "../src/index";

// Every transaction that writes packages names their lineages on LINEAGE_CHANNEL when it commits,
// so the API's cached search answers are dropped whoever wrote: the API, a worker's job.

let t: TestDatabase;
let me: Principal;
let projectId: number;
let layerId: number;
let listener: Awaited<ReturnType<typeof connectListener>>;
const heard: string[] = [];

/** A connection of the file's pool, kept for LISTEN until the end. */
function connectListener() {
  return t.pool.connect();
}

beforeAll(async () => {
  t = await createTestDatabase();
  me = (await createUser(t.db, "Owner")).as;
  projectId = (await projects.createProject(t.db, me, { name: "Lineages" })).id;
  layerId = (await dataLayers.listDataLayers(t.db, me, { projectId }))[0]!.id;
  listener = await connectListener();
  listener.on("notification", (m) => {
    if (m.channel === packages.LINEAGE_CHANNEL) heard.push(m.payload ?? "");
  });
  await listener.query(`LISTEN ${packages.LINEAGE_CHANNEL}`);
});
afterAll(async () => {
  listener.release();
  await t.destroy();
});

/** What the listener hears from now until `expected` notifications came. */
async function notifications(expected: number, change: () => Promise<unknown>) {
  heard.length = 0;
  await change();
  return waitFor("the notifications", () => (heard.length >= expected ? [...heard] : undefined), {
    timeoutMs: 5_000,
  });
}

async function chain() {
  const a = await graph.createNode(t.db, me, { projectId, name: `a${heard.length}`, kind: "data" });
  const b = await graph.createNode(t.db, me, { projectId, name: `b${heard.length}`, kind: "data" });
  await graph.createLink(t.db, me, { projectId, fromNodeId: a.id, toNodeId: b.id });
  return { a, b };
}

describe("lineage notifications", () => {
  test("a package created and pushed on is one notification naming its lineage once", async () => {
    const { a } = await chain();
    let master = 0;
    const got = await notifications(1, async () => {
      master = (await packages.createPackage(t.db, me, { nodeId: a.id, dataLayerId: layerId, label: "x" }))
        .master_id;
    });
    expect(got).toEqual([String(master)]);
  });

  test("a job's output lands in its input's lineage", async () => {
    const { a, b } = await chain();
    // its own announcement first (the general path), so it cannot arrive among the output's
    let input!: packages.PackageJson;
    await notifications(1, async () => {
      input = await packages.createPackage(t.db, me, { nodeId: a.id, dataLayerId: layerId });
    });
    const got = await notifications(1, () =>
      t.db.transaction().execute((trx) =>
        packages.insertPackage(trx, {
          origin: "job",
          parentId: input.id,
          nodeId: b.id,
          dataLayerId: layerId,
          label: "result",
          fields: {},
          files: [],
          createdBy: null,
        }),
      ),
    );
    expect(got).toEqual([String(input.master_id)]);
  });

  test("a rolled-back insert and the fast path's new lineages announce nothing", async () => {
    const { a, b } = await chain();
    const one = { projectId, nodeId: a.id, dataLayerId: layerId, label: "", fields: {}, createdBy: null };
    const p = { nodeId: b.id, dataLayerId: layerId, label: "", fields: {}, files: [], createdBy: null };
    let last = 0;
    const got = await notifications(1, async () => {
      await t.db
        .transaction()
        .execute(async (trx) => {
          await packages.insertPackage(trx, { ...p, origin: "external" });
          throw new Error("rolled back");
        })
        .catch(() => {});
      const rows = await packages.insertExternalBatch(t.db, [one, one]);
      expect(rows.every((r) => r !== null)).toBe(true);
      // the general path after them: the first (and only) announcement heard is its own
      last = (
        await t.db.transaction().execute((trx) => packages.insertPackage(trx, { ...p, origin: "external" }))
      ).package.master_id;
    });
    expect(got).toEqual([String(last)]);
  });

  test("more lineages than a notification holds are sent as all of them (*)", async () => {
    const many = Array.from({ length: 2_000 }, (_, i) => 1_000_001 + i);
    expect(packages.lineagePayload(many)).toBe("*");
    expect(packages.changedLineages("*")).toBe("all");
    expect(packages.lineagePayload([5, 7, 5])).toBe("5,7");
    expect(packages.changedLineages("5,7")).toEqual([5, 7]);
    expect(packages.changedLineages("5,x")).toBe("all");
  });
});
