import { packages } from "@keyflow/core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Fixture, projectWithMembers, snapshot } from "../../../test/graphFixtures";
import { createHarness, expectTrpcError, type Harness } from "../../../test/harness";

let h: Harness;
let f: Fixture;
let nodeId: number;
beforeAll(async () => {
  h = await createHarness();
  f = await projectWithMembers(h);
  const a = await f.owner.client.graph.createNode.mutate({ projectId: f.projectId, name: "A", kind: "data" });
  const b = await f.owner.client.graph.createNode.mutate({ projectId: f.projectId, name: "B", kind: "data" });
  await f.owner.client.graph.createLink.mutate({ projectId: f.projectId, fromNodeId: a.id, toNodeId: b.id });
  nodeId = a.id;
});
afterAll(() => h.close());

async function refused(call: () => Promise<unknown>, field: string, code = "BAD_REQUEST") {
  const before = await snapshot(h);
  const e = await expectTrpcError(
    call(),
    code,
    code === "BAD_REQUEST" ? new RegExp(`^${field.replace(/\./g, "\\.")}:`) : undefined,
  );
  expect(await snapshot(h)).toEqual(before);
  return e;
}

type CreateInput = Parameters<Fixture["owner"]["client"]["packages"]["create"]["mutate"]>[0];
const create = (extra: Partial<CreateInput>) =>
  f.owner.client.packages.create.mutate({ nodeId, dataLayerId: f.mainLayerId, ...extra });

describe("packages errors", () => {
  test("size limits: label ≤ 1 KiB (UTF-8), fields ≤ 256 KiB as JSON, ≤ 100 files", async () => {
    await create({ label: "x".repeat(1024) });
    await refused(() => create({ label: "x".repeat(1025) }), "label");
    await refused(() => create({ label: "é".repeat(513) }), "label");
    const e = await refused(() => create({ fields: { blob: "x".repeat(256 * 1024) } }), "fields");
    expect(e.message).toMatch(/256 KiB/);
    const hash = await packages.pgBlobStore(h.db).put(Buffer.from("f"));
    const files = Array.from({ length: 101 }, (_, i) => ({ name: `f${i}`, contentHash: hash }));
    await refused(() => create({ files }), "files");
  });

  test("malformed bodies name the field and write nothing", async () => {
    await refused(() => create({ fields: [1, 2] as unknown as Record<string, unknown> }), "fields");
    await refused(() => create({ fields: { s: "nul\u0000" } }), "fields");
    await refused(() => create({ label: "a\0b" }), "label");
    await refused(() => create({ files: [{ name: "../up", contentHash: "a".repeat(64) }] }), "files.0.name");
    await refused(() => create({ files: [{ name: "x", contentHash: "nothex" }] }), "files.0.contentHash");
    await refused(
      () => create({ files: [{ name: "x", contentHash: "b".repeat(64) }] }),
      "files.0.contentHash",
    );
    const hash = await packages.pgBlobStore(h.db).put(Buffer.from("dup"));
    await refused(
      () =>
        create({
          files: [
            { name: "same", contentHash: hash },
            { name: "same", contentHash: hash },
          ],
        }),
      "files.1.name",
    );
    await refused(() => f.owner.client.packages.create.mutate({ nodeId, dataLayerId: -1 }), "dataLayerId");
  });

  test("pagination: page ≥ 1 and 1 ≤ pageSize ≤ 100", async () => {
    const search = (page?: number, pageSize?: number) =>
      f.owner.client.packages.search.query({ nodeId, dataLayerId: f.mainLayerId, page, pageSize });
    await refused(() => search(0), "page");
    await refused(() => search(1, 0), "pageSize");
    await refused(() => search(1, 101), "pageSize");
    await refused(() => search(1.5), "page");
    expect((await search(1, 100)).items.length).toBeLessThanOrEqual(100);
  });

  test("unknown or mismatched ids are NOT_FOUND", async () => {
    await refused(
      () => f.owner.client.packages.create.mutate({ nodeId: 999_999, dataLayerId: f.mainLayerId }),
      "",
      "NOT_FOUND",
    );
    await refused(
      () => f.owner.client.packages.create.mutate({ nodeId, dataLayerId: 999_999 }),
      "",
      "NOT_FOUND",
    );
    await expectTrpcError(f.owner.client.packages.get.query({ packageId: 999_999 }), "NOT_FOUND");
    const p = await create({ label: "here" });
    await expectTrpcError(
      f.owner.client.packages.get.query({ packageId: p.id, nodeId: nodeId + 1 }),
      "NOT_FOUND",
    );
    // a layer of another project cannot be used
    const other = await f.owner.client.projects.create.mutate({ name: "Other" });
    const [otherMain] = await f.owner.client.dataLayers.list.query({ projectId: other.id });
    await refused(
      () => f.owner.client.packages.create.mutate({ nodeId, dataLayerId: otherMain!.id }),
      "",
      "NOT_FOUND",
    );
  });
});
