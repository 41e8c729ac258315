import { jobs } from "@keyflow/core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Fixture, projectWithMembers } from "../../../test/graphFixtures";
import { createHarness, type Harness } from "../../../test/harness";

let h: Harness;
let f: Fixture;
let input: { id: number };
let compute: { id: number };
beforeAll(async () => {
  h = await createHarness();
  f = await projectWithMembers(h);
  const g = f.owner.client.graph;
  input = await g.createNode.mutate({ projectId: f.projectId, name: "In", kind: "data" });
  compute = await g.createNode.mutate({ projectId: f.projectId, name: "Double", kind: "compute" });
  await g.createLink.mutate({ projectId: f.projectId, fromNodeId: input.id, toNodeId: compute.id });
});
afterAll(() => h.close());

const send = (label: string, dataLayerId = f.mainLayerId) =>
  f.owner.client.packages.create.mutate({ nodeId: input.id, dataLayerId, label });

/** What the worker does around a run (no worker in API tests). */
async function runAs(jobId: number, finish: jobs.JobFinish) {
  expect(await jobs.claimJob(h.db, jobId)).not.toBeNull();
  return jobs.finishJob(h.db, jobId, finish);
}

describe("jobs happy paths", () => {
  test("a package pushed to a compute node queues one job, listed newest first; get shows the log", async () => {
    await send("first");
    await send("second");
    const list = await f.owner.client.jobs.list.query({ nodeId: compute.id });
    expect(list).toHaveLength(2);
    const [newest, oldest] = list;
    expect(newest!.id).toBeGreaterThan(oldest!.id);
    expect(newest).toMatchObject({
      nodeId: compute.id,
      state: "queued",
      exitCode: null,
      dataLayerId: f.mainLayerId,
      startedAt: null,
      finishedAt: null,
      durationMs: null,
      outputs: 0,
      error: null,
    });
    expect(newest?.createdAt).toBeInstanceOf(Date);
    const pkg = await f.owner.client.packages.get.query({ packageId: newest!.packageId });
    expect(pkg).toMatchObject({ node_id: compute.id, label: "second" });

    await runAs(oldest!.id, { state: "completed", exitCode: 0, log: "hello\n", logTruncated: false });
    const job = await f.owner.client.jobs.get.query({ jobId: oldest!.id });
    expect(job).toMatchObject({
      id: oldest!.id,
      state: "completed",
      exitCode: 0,
      log: "hello\n",
      logTruncated: false,
    });
    expect(job.durationMs).toBeGreaterThanOrEqual(0);
    expect(job.startedAt).toBeInstanceOf(Date);
    // list carries no log
    const listed = (await f.owner.client.jobs.list.query({ nodeId: compute.id })).find(
      (j) => j.id === job.id,
    );
    expect(listed).not.toHaveProperty("log");
    expect(listed?.state).toBe("completed");
  });

  test("a claimed job cannot be claimed twice; finishing records failure with the exit code", async () => {
    await send("third");
    const [job] = await f.owner.client.jobs.list.query({ nodeId: compute.id });
    expect(await jobs.claimJob(h.db, job!.id)).not.toBeNull();
    expect(await jobs.claimJob(h.db, job!.id)).toBeNull();
    await jobs.finishJob(h.db, job!.id, {
      state: "failed",
      exitCode: 2,
      log: "Traceback\n",
      logTruncated: false,
      error: "exited with code 2",
    });
    expect(await f.owner.client.jobs.get.query({ jobId: job!.id })).toMatchObject({
      state: "failed",
      exitCode: 2,
      error: "exited with code 2",
    });
  });

  test("the layer filter shows one layer; personal layers' jobs are only their owner's (and managers')", async () => {
    const m = await f.memberWith({
      project: ["project_view", "package_view", "package_create", "code_view"],
    });
    const layer = await m.client.dataLayers.create.mutate({
      projectId: f.projectId,
      name: "Mine",
      kind: "personal",
    });
    await m.client.packages.create.mutate({ nodeId: input.id, dataLayerId: layer.id, label: "private" });
    const mine = await m.client.jobs.list.query({ nodeId: compute.id, dataLayerId: layer.id });
    expect(mine).toHaveLength(1);
    expect(mine[0]?.dataLayerId).toBe(layer.id);
    expect(
      await f.owner.client.jobs.list.query({ nodeId: compute.id, dataLayerId: f.mainLayerId }),
    ).toHaveLength(3);
    // the owner (project_manage) reads the personal layer too; another member does not see it
    expect((await f.owner.client.jobs.list.query({ nodeId: compute.id })).map((j) => j.id)).toContain(
      mine[0]!.id,
    );
    const other = await f.memberWith({ project: ["project_view", "package_view", "code_view"] });
    const seen = await other.client.jobs.list.query({ nodeId: compute.id });
    expect(seen.map((j) => j.dataLayerId)).not.toContain(layer.id);
    expect(await m.client.jobs.get.query({ jobId: mine[0]!.id })).toMatchObject({ log: "" });
  });

  test("a node switched off in a layer queues nothing there", async () => {
    await f.owner.client.graph.setActive.mutate({
      nodeId: compute.id,
      dataLayerId: f.mainLayerId,
      active: false,
    });
    const before = await f.owner.client.jobs.list.query({ nodeId: compute.id, dataLayerId: f.mainLayerId });
    await send("ignored");
    expect(await f.owner.client.jobs.list.query({ nodeId: compute.id, dataLayerId: f.mainLayerId })).toEqual(
      before,
    );
    await f.owner.client.graph.setActive.mutate({
      nodeId: compute.id,
      dataLayerId: f.mainLayerId,
      active: true,
    });
  });
});
