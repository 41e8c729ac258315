import { afterAll, beforeAll, describe, test } from "vitest";
import { type Fixture, projectWithMembers } from "../../../test/graphFixtures";
import { createHarness, expectTrpcError, type Harness } from "../../../test/harness";

let h: Harness;
let f: Fixture;
let compute: { id: number };
beforeAll(async () => {
  h = await createHarness();
  f = await projectWithMembers(h);
  compute = await f.owner.client.graph.createNode.mutate({
    projectId: f.projectId,
    name: "C",
    kind: "compute",
  });
});
afterAll(() => h.close());

describe("jobs errors", () => {
  test("malformed input names the field", async () => {
    const j = f.owner.client.jobs;
    await expectTrpcError(j.list.query({ nodeId: 0 }), "BAD_REQUEST", /^nodeId:/);
    await expectTrpcError(j.list.query({ nodeId: "x" as unknown as number }), "BAD_REQUEST", /^nodeId:/);
    await expectTrpcError(
      j.list.query({ nodeId: compute.id, dataLayerId: -1 }),
      "BAD_REQUEST",
      /^dataLayerId:/,
    );
    await expectTrpcError(j.get.query({ jobId: 1.5 }), "BAD_REQUEST", /^jobId:/);
    await expectTrpcError(j.get.query({} as { jobId: number }), "BAD_REQUEST", /^jobId:/);
  });

  test("unknown node, job or layer is NOT_FOUND", async () => {
    const j = f.owner.client.jobs;
    await expectTrpcError(j.list.query({ nodeId: 999_999 }), "NOT_FOUND", /Node not found/);
    await expectTrpcError(j.get.query({ jobId: 999_999 }), "NOT_FOUND", /Job not found/);
    await expectTrpcError(
      j.list.query({ nodeId: compute.id, dataLayerId: 999_999 }),
      "NOT_FOUND",
      /Data layer/,
    );
    // a layer of another project
    const other = await f.owner.client.projects.create.mutate({ name: "Other" });
    const [layer] = await f.owner.client.dataLayers.list.query({ projectId: other.id });
    await expectTrpcError(
      j.list.query({ nodeId: compute.id, dataLayerId: layer!.id }),
      "NOT_FOUND",
      /Data layer/,
    );
  });

  test("a deleted node's jobs are gone with it", async () => {
    const n = await f.owner.client.graph.createNode.mutate({
      projectId: f.projectId,
      name: "Gone",
      kind: "compute",
    });
    await f.owner.client.packages.create.mutate({ nodeId: n.id, dataLayerId: f.mainLayerId });
    const [job] = await f.owner.client.jobs.list.query({ nodeId: n.id });
    await f.owner.client.graph.deleteNode.mutate({ nodeId: n.id });
    await expectTrpcError(f.owner.client.jobs.get.query({ jobId: job!.id }), "NOT_FOUND");
    await expectTrpcError(f.owner.client.jobs.list.query({ nodeId: n.id }), "NOT_FOUND");
  });
});
