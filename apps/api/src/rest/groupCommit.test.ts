import type { packages } from "@keyflow/core";
import { sql } from "@keyflow/db";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createHarness, type Harness, linkedService } from "../../test/harness";
import { rest } from "../../test/rest";
import { GroupCommit } from "./groupCommit";

// Group commit of `POST .../packages` (issue 8): concurrent writes share a statement and a
// commit, each is answered only with its own rows committed, and one that cannot take the fast
// path, or that fails, never takes the others with it.

let h: Harness;
let f: Awaited<ReturnType<typeof setup>>;

async function setup() {
  const k = await linkedService(h);
  const node = (name: string) =>
    k.owner.client.graph.createNode.mutate({ projectId: k.project.id, name, kind: "data" });
  // a second entry whose link filters by label: the general path's walk
  const filtered = await node("filtered");
  const picked = await node("picked");
  await k.owner.client.graph.createLink.mutate({
    projectId: k.project.id,
    fromNodeId: filtered.id,
    toNodeId: picked.id,
    labelFilter: "^keep",
  });
  return { ...k, filtered, picked, api: rest(h, { bearer: k.token }) };
}

beforeAll(async () => {
  h = await createHarness();
  f = await setup();
});
afterAll(() => h.close());

const post = (nodeId: number, label: string) =>
  f.api.post(`/api/projects/${f.project.id}/nodes/${nodeId}/packages`, { label, fields: { n: label } });

describe("group commit of package writes", () => {
  test("60 concurrent writes are each answered with their own committed package, in fewer transactions", async () => {
    const labels = Array.from({ length: 60 }, (_, i) => `g${i}`);
    const answers = await Promise.all(labels.map((l) => post(f.input.id, l)));
    expect(answers.map((a) => a.status)).toEqual(labels.map(() => 200));
    expect(answers.map((a) => a.body.label)).toEqual(labels);
    const ids = answers.map((a) => a.body.id as number);
    expect(new Set(ids).size).toBe(60);

    const rows = await sql<{ node_id: number; parent_id: number | null; label: string; tx: string }>`
      select node_id, parent_id, label, xmin::text as tx from packages
      where master_id = any(${ids}::int[])`.execute(h.db);
    // every package and its pushed copy, with the answered label, committed
    for (const a of answers) {
      const mine = rows.rows.filter((r) => r.label === a.body.label);
      expect(mine.map((r) => r.node_id).sort()).toEqual([f.input.id, f.output.id].sort());
    }
    // written together: rows of one statement share their transaction id
    expect(new Set(rows.rows.map((r) => r.tx)).size).toBeLessThan(60);
    // each write's usage event was committed with it
    const usage = await sql<{ n: number }>`select count(*)::int as n from usage_events
      where key_id = ${f.keyId} and route like '%/packages' and status = 200`.execute(h.db);
    expect(usage.rows[0]!.n).toBe(60);
  });

  test("writes that need the general path (a label filter) are answered right amid fast ones", async () => {
    const answers = await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => post(f.input.id, `fast${i}`)),
      post(f.filtered.id, "keep-me"),
      post(f.filtered.id, "drop-me"),
    ]);
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    const search = async (masterId: number) =>
      (
        await f.api.post(`/api/projects/${f.project.id}/nodes/${f.picked.id}/packages/search`, {
          master_id: masterId,
        })
      ).body.total;
    expect(await search(answers[10]!.body.id)).toBe(1);
    expect(await search(answers[11]!.body.id)).toBe(0);
  });

  test("a batch that fails hands each of its packages back, and the others of a later batch are written", async () => {
    const writer = new GroupCommit(h.db, { slots: 1, maxBatch: 64 });
    const pkg = (label: string, dataLayerId = f.layer): packages.ExternalPackage => ({
      projectId: f.project.id,
      nodeId: f.input.id,
      dataLayerId,
      label,
      fields: {},
      createdBy: f.holder.user.id,
    });
    // the first is written alone; the next two queue behind it and share the failing batch
    const [first, good, bad] = await Promise.all([
      writer.write(pkg("first")),
      writer.write(pkg("good")),
      writer.write(pkg("bad", 2 ** 31 - 1)),
    ]);
    expect(first?.label).toBe("first");
    expect([good, bad]).toEqual([null, null]);
    const after = await writer.write(pkg("after"));
    expect(after?.label).toBe("after");
    const labels = await sql<{ label: string }>`select label from packages
      where node_id = ${f.input.id} and label in ('first', 'good', 'bad', 'after')`.execute(h.db);
    expect(labels.rows.map((r) => r.label).sort()).toEqual(["after", "first"]);
    await writer.close();
  });
});
