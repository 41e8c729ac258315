import { createTestDatabase, type TestDatabase } from "@keyflow/db/testing";
import { createUser } from "@keyflow/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { dataLayers, graph, type Principal, packages, projects } from "../src/index";

// Batched searches (`packages.searchLineages`, the API's LineageReads) must answer every query of
// a batch exactly as the search alone (`packages.searchPackages`) answers it.

let t: TestDatabase;
let me: Principal;
let projectId: number;
let layerId: number;
let otherLayerId: number;
const ids: Record<string, number> = {};

beforeAll(async () => {
  t = await createTestDatabase();
  const owner = await createUser(t.db, "Owner");
  me = owner.as;
  projectId = (await projects.createProject(t.db, me, { name: "Search" })).id;
  layerId = (await dataLayers.listDataLayers(t.db, me, { projectId }))[0]!.id;
  otherLayerId = (await dataLayers.createDataLayer(t.db, me, { projectId, name: "Other", kind: "shared" }))
    .id;
  // a diamond: every package of a lands twice in d (via b and via c), both of its lineage
  for (const name of ["a", "b", "c", "d"])
    ids[name] = (await graph.createNode(t.db, me, { projectId, name, kind: "data" })).id;
  for (const [from, to] of [
    ["a", "b"],
    ["a", "c"],
    ["b", "d"],
    ["c", "d"],
  ] as const)
    await graph.createLink(t.db, me, { projectId, fromNodeId: ids[from]!, toNodeId: ids[to]! });
});
afterAll(async () => {
  await t?.destroy();
});

const create = async (label: string, dataLayerId = layerId) =>
  (await packages.createPackage(t.db, me, { nodeId: ids.a!, dataLayerId, label, fields: { label } })).id;

describe("searchLineages", () => {
  test("each query of a batch gets the page and total its search alone gets", async () => {
    const m1 = await create("one");
    const m2 = await create("two");
    const elsewhere = await create("elsewhere", otherLayerId);
    const queries: packages.LineageQuery[] = [
      { nodeId: ids.d!, dataLayerId: layerId, masterId: m1, pageSize: 10, page: 1 }, // both copies
      { nodeId: ids.d!, dataLayerId: layerId, masterId: m2, pageSize: 1, page: 1 }, // the newer one
      { nodeId: ids.d!, dataLayerId: layerId, masterId: m2, pageSize: 1, page: 2 }, // the older one
      { nodeId: ids.d!, dataLayerId: layerId, masterId: m2, pageSize: 1, page: 3 }, // past the end
      { nodeId: ids.b!, dataLayerId: layerId, masterId: m1, pageSize: 10, page: 1 },
      { nodeId: ids.a!, dataLayerId: layerId, masterId: m1, pageSize: 10, page: 1 }, // the master itself
      { nodeId: ids.d!, dataLayerId: layerId, masterId: elsewhere, pageSize: 10, page: 1 }, // other layer
      { nodeId: ids.d!, dataLayerId: otherLayerId, masterId: elsewhere, pageSize: 10, page: 1 },
    ];
    const pages = await packages.searchLineages(t.db, queries);
    expect(pages).toHaveLength(queries.length);
    for (const [i, q] of queries.entries()) {
      const alone = await packages.searchPackages(t.db, me, q);
      const page = pages[i]!.rows;
      expect(pages[i]!.masterExists).toBe(true);
      expect(page.map((r) => packages.serializePackage(r))).toEqual(alone.items);
      // a page past the end carries no total; any other page carries the lineage's
      if (page.length > 0) expect(page.every((r) => Number(r.total) === alone.total)).toBe(true);
    }
    expect(pages.map((p) => p.rows.length)).toEqual([2, 1, 1, 0, 1, 1, 0, 2]);
    expect(pages[1]!.rows[0]!.id).toBeGreaterThan(pages[2]!.rows[0]!.id);
  });

  test("a lineage whose master does not exist (yet) is answered empty, and said so", async () => {
    const m = await create("exists");
    const q = { nodeId: ids.d!, dataLayerId: layerId, pageSize: 10, page: 1 };
    const [real, future] = await packages.searchLineages(t.db, [
      { ...q, masterId: m },
      { ...q, masterId: m + 1_000_000 },
    ]);
    expect(real).toMatchObject({ masterExists: true });
    expect(real!.rows).toHaveLength(2);
    expect(future).toEqual({ rows: [], masterExists: false });
  });

  test("searchPackages with a reader answers from it, and asks the database alone when it hands back null", async () => {
    const m = await create("read");
    const input = { nodeId: ids.d!, dataLayerId: layerId, masterId: m };
    const asked: packages.LineageQuery[] = [];
    const batched = await packages.searchPackages(t.db, me, input, {
      reader: {
        read: async (q) => {
          asked.push(q);
          return (await packages.searchLineages(t.db, [q]))[0]!.rows;
        },
      },
    });
    expect(asked).toEqual([{ ...input, pageSize: 10, page: 1 }]);
    expect(batched.total).toBe(2);
    const handedBack = await packages.searchPackages(t.db, me, input, { reader: { read: async () => null } });
    expect(handedBack).toEqual(batched);
    // a search without master_id is no lineage poll: it never goes to the reader
    await packages.searchPackages(
      t.db,
      me,
      { nodeId: ids.d!, dataLayerId: layerId },
      {
        reader: {
          read: () => {
            throw new Error("not a lineage search");
          },
        },
      },
    );
  });
});
