import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createHarness, type Harness, linkedService } from "../../test/harness";
import { rest } from "../../test/rest";
import { LineageReads } from "./lineageReads";

// Searches by master_id (the RnDFlow client's polls) are read together: each poll is answered
// with its own lineage, and a batch that fails hands each search back to be asked alone.

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

describe("batched lineage searches", () => {
  test("40 concurrent polls of 20 lineages are each answered with their own result", async () => {
    const masters = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const res = await f.api.post(`/api/projects/${f.project.id}/nodes/${f.input.id}/packages`, {
          label: `job ${i}`,
          fields: { i },
        });
        expect(res.status).toBe(200);
        return res.body.id as number;
      }),
    );
    const polls = [...masters, ...masters].map((masterId) =>
      f.api.post(`/api/projects/${f.project.id}/nodes/${f.output.id}/packages/search`, {
        master_id: masterId,
      }),
    );
    const answers = await Promise.all(polls);
    for (const [i, a] of answers.entries()) {
      const i20 = i % 20;
      expect(a.status).toBe(200);
      expect(a.body.total).toBe(1);
      expect(a.body.items).toHaveLength(1);
      expect(a.body.items[0].master_id).toBe(masters[i20]);
      expect(a.body.items[0].label).toBe(`job ${i20}`);
    }
  });

  test("a batch that fails hands each of its searches back; a later batch is read", async () => {
    const reads = new LineageReads(h.db);
    const master = (
      await f.api.post(`/api/projects/${f.project.id}/nodes/${f.input.id}/packages`, { label: "polled" })
    ).body.id as number;
    const query = (pageSize: number) => ({
      nodeId: f.output.id,
      dataLayerId: f.layer,
      masterId: master,
      pageSize,
      page: 1,
    });
    // the first is read alone; the next two queue behind it and share the failing batch (LIMIT -1)
    const [first, good, bad] = await Promise.all([
      reads.read(query(10)),
      reads.read(query(10)),
      reads.read(query(-1)),
    ]);
    expect(first?.rows.map((r) => r.master_id)).toEqual([master]);
    expect([good, bad]).toEqual([null, null]);
    const after = await reads.read(query(10));
    expect(after?.rows.map((r) => r.master_id)).toEqual([master]);
    await reads.close();
  });
});
