import { randomBytes } from "node:crypto";
import { sql } from "@keyflow/db";
import { createTestDatabase, type TestDatabase } from "@keyflow/db/testing";
import { createUser } from "@keyflow/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { dataLayers, graph, type Principal, packages, projects } from "../src/index";

// The write fast path (`packages.insertExternalBatch`, the API's group commit) must make exactly
// the lineage the general path (`packages.createPackage` → insertPackage's walk) makes, or hand
// the package back untouched.

let t: TestDatabase;
let me: Principal;
let userId: number;
let projectId: number;
let layerId: number;

beforeAll(async () => {
  t = await createTestDatabase();
  const owner = await createUser(t.db, "Owner");
  userId = owner.id;
  me = owner.as;
  projectId = (await projects.createProject(t.db, me, { name: "Batch" })).id;
  layerId = (await dataLayers.listDataLayers(t.db, me, { projectId }))[0]!.id;
});
afterAll(async () => {
  await t?.destroy();
});

/** Nodes by name and links "a>b" (a label filter after a colon: "a>b:^x"). */
async function buildGraph(nodes: Record<string, "data" | "compute">, links: string[]) {
  const ids: Record<string, number> = {};
  for (const [name, kind] of Object.entries(nodes))
    ids[name] = (
      await graph.createNode(t.db, me, { projectId, name: `${name}-${randomBytes(3).toString("hex")}`, kind })
    ).id;
  for (const l of links) {
    const [from, rest] = l.split(">") as [string, string];
    const [to, filter] = rest.split(":") as [string, string | undefined];
    const link = await graph.createLink(t.db, me, { projectId, fromNodeId: ids[from]!, toNodeId: ids[to]! });
    if (filter) await sql`update links set label_filter = ${filter} where id = ${link.id}`.execute(t.db);
  }
  return ids;
}

const external = (nodeId: number, label = "in"): packages.ExternalPackage => ({
  projectId,
  nodeId,
  dataLayerId: layerId,
  label,
  fields: { x: 1 },
  createdBy: userId,
});

/** A lineage as its node paths (by node id), each copy checked to be its parent's path plus one node. */
async function lineage(masterId: number): Promise<string[]> {
  const rows = await t.db.selectFrom("packages").selectAll().where("master_id", "=", masterId).execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const r of rows) {
    if (r.parent_id === null) {
      expect(r.origin).toBe("external");
      continue;
    }
    expect(r.origin).toBe("push");
    expect(byId.get(r.parent_id)?.node_path).toEqual(r.node_path.slice(0, -1));
    expect(r.node_id).toBe(r.node_path.at(-1));
    expect(r.label).toBe(byId.get(masterId)!.label);
  }
  return rows.map((r) => r.node_path.join(">")).sort();
}

async function viaGeneralPath(nodeId: number) {
  return lineage((await packages.createPackage(t.db, me, { nodeId, dataLayerId: layerId, label: "in" })).id);
}

describe("insertExternalBatch", () => {
  test("a chain and a diamond with a cycle make the same copies as the general path", async () => {
    const g = await buildGraph({ a: "data", b: "data", c: "data", d: "data" }, [
      "a>b",
      "a>c",
      "b>d",
      "c>d",
      "d>a",
    ]);
    const [row] = await packages.insertExternalBatch(t.db, [external(g.a!)]);
    expect(row).not.toBeNull();
    expect(row).toMatchObject({ node_id: g.a, master_id: row!.id, parent_id: null, origin: "external" });
    const fast = await lineage(row!.id);
    // a, a>b, a>c, a>b>d, a>c>d: d's link back to a is a cycle on both paths
    expect(fast).toHaveLength(5);
    expect(fast).toEqual(await viaGeneralPath(g.a!));
  });

  test("a label filter, a compute node or too wide a walk hands the package back and writes nothing", async () => {
    const g = await buildGraph({ a: "data", b: "data", f: "data", j: "compute", w: "data" }, [
      "a>b",
      "b>f:^in$",
      "w>j",
    ]);
    const wide = await buildGraph(
      Object.fromEntries(
        Array.from({ length: packages.FAST_PATH_COPIES + 2 }, (_, i) => [`n${i}`, "data" as const]),
      ),
      Array.from({ length: packages.FAST_PATH_COPIES + 1 }, (_, i) => `n0>n${i + 1}`),
    );
    const before = await t.db
      .selectFrom("packages")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    const rows = await packages.insertExternalBatch(t.db, [
      external(g.a!), // meets the filter on b>f
      external(g.w!), // reaches a compute node: a job to queue
      external(g.j!), // starts at a compute node
      external(wide.n0!), // one copy more than the fast path makes
    ]);
    expect(rows).toEqual([null, null, null, null]);
    const after = await t.db
      .selectFrom("packages")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  test("in one batch the packages the fast path takes are written with their usage events, the others not", async () => {
    const g = await buildGraph({ a: "data", b: "data", c: "compute" }, ["a>b", "b>c"]);
    const plain = await buildGraph({ p: "data", q: "data" }, ["p>q"]);
    const keyId = await aKey();
    const usage = (route: string): packages.ExternalPackage["usage"] => ({
      keyId,
      at: new Date(),
      method: "POST",
      route,
      status: 200,
      outcome: "ok",
      durationMs: 1.5,
      price: "0.010000",
      ip: "192.0.2.7",
    });
    const rows = await packages.insertExternalBatch(t.db, [
      { ...external(plain.p!, "first"), usage: usage("/first") },
      { ...external(g.a!), usage: usage("/compute") },
      { ...external(plain.p!, "third"), usage: usage("/third") },
    ]);
    expect(rows.map((r) => r?.label ?? null)).toEqual(["first", null, "third"]);
    for (const r of [rows[0]!, rows[2]!])
      expect(await lineage(r.id)).toEqual([`${plain.p}`, `${plain.p}>${plain.q}`]);
    const events = await t.db
      .selectFrom("usage_events")
      .select(["route", "ip"])
      .where("key_id", "=", keyId)
      .execute();
    expect(events.map((e) => e.route).sort()).toEqual(["/first", "/third"]);
    expect(events[0]!.ip).toBe("192.0.2.7");
  });

  test("a node deleted meanwhile is handed back; a layer deleted meanwhile fails the batch, writing nothing", async () => {
    const g = await buildGraph({ a: "data", b: "data" }, ["a>b"]);
    const gone = await buildGraph({ x: "data" }, []);
    await graph.deleteNode(t.db, me, { nodeId: gone.x! });
    const rows = await packages.insertExternalBatch(t.db, [external(gone.x!)]);
    expect(rows).toEqual([null]);
    const noLayer = { ...external(g.a!), dataLayerId: 2 ** 31 - 1 };
    await expect(packages.insertExternalBatch(t.db, [external(g.a!), noLayer])).rejects.toMatchObject({
      code: "23503",
    });
    const written = await t.db
      .selectFrom("packages")
      .select("id")
      .where("node_id", "in", [g.a!, g.b!])
      .execute();
    expect(written).toEqual([]);
  });

  test("a chain as deep as MAX_DEPTH goes the general way, which stops it at the bound", async () => {
    const n = packages.MAX_DEPTH + 1;
    const names = Array.from({ length: n }, (_, i) => `c${i}`);
    const g = await buildGraph(
      Object.fromEntries(names.map((name) => [name, "data" as const])),
      names.slice(1).map((name, i) => `c${i}>${name}`),
    );
    expect(await packages.insertExternalBatch(t.db, [external(g.c0!)])).toEqual([null]);
    expect(await viaGeneralPath(g.c0!)).toHaveLength(packages.MAX_DEPTH);
  });
});

/** A key of this project's holder (usage events need one). */
async function aKey(): Promise<number> {
  const row = await sql<{ id: number }>`
    with tpl as (
      insert into api_key_templates (project_id, name, role_id)
      select ${projectId}, ${`t-${randomBytes(3).toString("hex")}`}, r.id
      from roles r where r.project_id = ${projectId} and r.is_owner returning id)
    insert into api_keys (project_id, template_id, user_id, data_layer_id, token_hash, token_encrypted, token_start)
    select ${projectId}, tpl.id, ${userId}, ${layerId}, ${randomBytes(16)}, '', 'kf_test'
    from tpl returning id`.execute(t.db);
  return row.rows[0]!.id;
}
