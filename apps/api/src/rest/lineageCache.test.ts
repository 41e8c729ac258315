import { packages } from "@keyflow/core";
import { sql } from "@keyflow/db";
import { waitFor } from "@keyflow/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createHarness, type Harness, landJobResult, linkedService } from "../../test/harness";
import { rest } from "../../test/rest";
import { ChangeListener } from "../keys/changeListener";
import { LineageCache } from "./lineageCache";
import { LineageReads } from "./lineageReads";

// A poll by master_id is answered from memory until its lineage changes: a result that lands
// (written by any connection, as a worker's job writes it) is seen within a second, an answer read
// while its lineage changed is not kept, and nothing is kept while the LISTEN connection is down.

let h: Harness;
let f: Awaited<ReturnType<typeof setup>>;

async function setup() {
  const k = await linkedService(h);
  return { ...k, api: rest(h, { bearer: k.token }) };
}

beforeAll(async () => {
  h = await createHarness();
  f = await setup();
});
afterAll(() => h.close());

/** A cache over the real batched reads, counting what reaches the database. */
async function cache(opts: { gate?: Promise<void>; budgetBytes?: number } = {}) {
  const changes = new ChangeListener(h.config.databaseUrl);
  const reads = new LineageReads(h.db);
  const counted = {
    queries: 0,
    async read(q: packages.LineageQuery) {
      counted.queries++;
      await opts.gate;
      return reads.read(q);
    },
  };
  const c = new LineageCache(counted, changes, opts.budgetBytes);
  // the lineages announced so far: a test waits for its own writes' announcements to pass
  const heard = new Set<number>();
  changes.subscribe(packages.LINEAGE_CHANNEL, {
    changed: (payload) => {
      const ids = packages.changedLineages(payload);
      if (ids !== "all") for (const id of ids) heard.add(id);
    },
    reset: () => {},
  });
  await changes.ensureListening();
  expect(changes.listening).toBe(true);
  return {
    cache: c,
    changes,
    counted,
    heard,
    close: async () => {
      c.close();
      await reads.close();
      await changes.close();
    },
  };
}

/** A package pushed on to the output node (the fast path: a new lineage, written unannounced). */
async function newLineage() {
  const res = await f.api.post(`/api/projects/${f.project.id}/nodes/${f.input.id}/packages`, {
    label: "job",
  });
  expect(res.status).toBe(200);
  const masterId = res.body.id as number;
  return { masterId, query: { nodeId: f.output.id, dataLayerId: f.layer, masterId, pageSize: 10, page: 1 } };
}

/** A job's result in the lineage (written as the worker writes it); when it committed. */
async function landResult(masterId: number, label: string) {
  await landJobResult(h, { masterId, nodeId: f.output.id, dataLayerId: f.layer, label });
  return Date.now();
}

describe("cached lineage answers", () => {
  test("a repeated poll is answered from memory; a result that lands is seen within 1 s", async () => {
    const c = await cache();
    const { masterId, query } = await newLineage();
    const first = await c.cache.read(query);
    expect(first?.map((r) => r.label)).toEqual(["job"]);
    for (let i = 0; i < 5; i++) expect(await c.cache.read(query)).toEqual(first);
    expect(c.counted.queries).toBe(1);

    const landedAt = await landResult(masterId, "result");
    const ms = await waitFor(
      "the result in the cached answer",
      async () => ((await c.cache.read(query))?.[0]?.label === "result" ? Date.now() - landedAt : undefined),
      { timeoutMs: 1_000, intervalMs: 10 },
    );
    expect((await c.cache.read(query))?.map((r) => [r.label, Number(r.total)])).toEqual([
      ["result", 2],
      ["job", 2],
    ]);
    console.log(`a landed result reached the cached answer after ${ms} ms`);
    await c.close();
  });

  test("other lineages, pages and nodes keep their answers when one lineage changes", async () => {
    const c = await cache();
    const one = await newLineage();
    const two = await newLineage();
    await c.cache.read(one.query);
    await c.cache.read(two.query);
    await c.cache.read({ ...two.query, pageSize: 1 });
    expect(c.counted.queries).toBe(3);
    await landResult(one.masterId, "result");
    await waitFor("lineage one dropped", async () => c.cache.size === 2 || undefined, { timeoutMs: 1_000 });
    await c.cache.read(two.query);
    await c.cache.read({ ...two.query, pageSize: 1 });
    expect(c.counted.queries).toBe(3);
    await c.close();
  });

  test("an answer read while its lineage changed is not kept", async () => {
    let open!: () => void;
    const c = await cache({ gate: new Promise<void>((resolve) => (open = resolve)) });
    const { masterId, query } = await newLineage();
    const reading = c.cache.read(query);
    await landResult(masterId, "result");
    await waitFor("the result announced", async () => c.heard.has(masterId) || undefined, {
      timeoutMs: 5_000,
    });
    open();
    // read before the result landed (it may or may not hold it): not kept either way
    await reading;
    expect(c.cache.size).toBe(0);
    await c.cache.read(query);
    expect(c.counted.queries).toBe(2);
    expect(c.cache.size).toBe(1);
    await c.close();
  });

  test("a lineage that does not exist yet is not kept: once written, its first poll finds it", async () => {
    const c = await cache();
    const { query } = await newLineage();
    // polls for the next ids (a client guessing; +1 is the copy, a package already): empty, and
    // asked of the database every time
    const ahead = [2, 3, 4, 5, 6, 7].map((n) => ({ ...query, masterId: query.masterId + n }));
    for (const q of [...ahead, ...ahead]) expect(await c.cache.read(q)).toEqual([]);
    expect(c.counted.queries).toBe(12);
    expect(c.cache.size).toBe(0);
    // a new lineage of one of those ids, written by the fast path, announces nothing: its first poll finds it
    const next = await newLineage();
    expect(ahead.map((q) => q.masterId)).toContain(next.masterId);
    expect((await c.cache.read(next.query))?.map((r) => r.label)).toEqual(["job"]);
    await c.close();
  });

  test("beyond its memory budget the oldest answers go first", async () => {
    // room for about two one-row answers
    const c = await cache({ budgetBytes: 2_000 });
    const lineages = [await newLineage(), await newLineage(), await newLineage()];
    for (const l of lineages) await c.cache.read(l.query);
    expect(c.cache.size).toBe(2);
    expect(c.counted.queries).toBe(3);
    // the newest two are kept, the oldest is read again
    await c.cache.read(lineages[2]!.query);
    await c.cache.read(lineages[1]!.query);
    expect(c.counted.queries).toBe(3);
    await c.cache.read(lineages[0]!.query);
    expect(c.counted.queries).toBe(4);
    await c.close();
  });

  test("nothing is kept while the LISTEN connection is down; kept again once it is back", async () => {
    const c = await cache();
    const { query } = await newLineage();
    await c.cache.read(query);
    expect(c.cache.size).toBe(1);
    await sql`select pg_terminate_backend(pid) from pg_stat_activity
      where datname = current_database() and query like 'LISTEN %'`.execute(h.db);
    await waitFor("the LISTEN connection lost", async () => !c.changes.listening || undefined, {
      timeoutMs: 5_000,
    });
    expect(c.cache.size).toBe(0);
    // each read while it is down asks the database (it is retried ≥ 0.5 s later)
    const before = c.counted.queries;
    let whileDown = 0;
    for (let i = 0; i < 3; i++) {
      if (!c.changes.listening) whileDown++;
      await c.cache.read(query);
    }
    expect(whileDown).toBeGreaterThan(0);
    expect(c.counted.queries - before).toBe(whileDown + (whileDown < 3 ? 1 : 0));
    await waitFor("the LISTEN connection back", async () => c.changes.listening || undefined, {
      timeoutMs: 10_000,
    });
    await c.cache.read(query);
    const kept = c.counted.queries;
    await c.cache.read(query);
    expect(c.counted.queries).toBe(kept);
    await c.close();
  });
});
