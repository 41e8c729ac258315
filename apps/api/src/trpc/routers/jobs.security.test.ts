import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Fixture, projectWithMembers, snapshot } from "../../../test/graphFixtures";
import { type Client, createHarness, expectTrpcError, type Harness } from "../../../test/harness";

let h: Harness;
let f: Fixture;
let a: { id: number };
let b: { id: number };
let jobA: { id: number };
let jobB: { id: number };
beforeAll(async () => {
  h = await createHarness();
  f = await projectWithMembers(h);
  const g = f.owner.client.graph;
  a = await g.createNode.mutate({ projectId: f.projectId, name: "A", kind: "compute" });
  b = await g.createNode.mutate({ projectId: f.projectId, name: "B", kind: "compute" });
  await f.owner.client.packages.create.mutate({ nodeId: a.id, dataLayerId: f.mainLayerId, label: "a" });
  await f.owner.client.packages.create.mutate({ nodeId: b.id, dataLayerId: f.mainLayerId, label: "b" });
  jobA = (await f.owner.client.jobs.list.query({ nodeId: a.id }))[0]!;
  jobB = (await f.owner.client.jobs.list.query({ nodeId: b.id }))[0]!;
});
afterAll(() => h.close());

const procedures: Record<string, { call: (c: Client) => Promise<unknown>; needs: RegExp }> = {
  list: { call: (c) => c.jobs.list.query({ nodeId: a.id }), needs: /package_view/ },
  get: { call: (c) => c.jobs.get.query({ jobId: jobA.id }), needs: /code_view/ },
};

const tables = ["jobs", "packages", "audit_log"] as const;

describe("jobs permission matrix", () => {
  for (const [name, { call, needs }] of Object.entries(procedures)) {
    test(`${name}: owner OK, viewer FORBIDDEN, stranger NOT_FOUND, signed-out UNAUTHORIZED`, async () => {
      const before = await snapshot(h, [...tables]);
      await expectTrpcError(call(f.member.client), "FORBIDDEN", needs);
      await expectTrpcError(call(f.stranger.client), "NOT_FOUND");
      await expectTrpcError(call(f.anon), "UNAUTHORIZED");
      expect(await snapshot(h, [...tables])).toEqual(before);
      await call(f.owner.client);
    });
  }

  test("package_view lists jobs but a log needs code_view", async () => {
    const m = await f.memberWith({ project: ["project_view", "package_view"] });
    expect(await m.client.jobs.list.query({ nodeId: a.id })).toHaveLength(1);
    await expectTrpcError(m.client.jobs.get.query({ jobId: jobA.id }), "FORBIDDEN", /code_view/);
    const coder = await f.memberWith({ project: ["project_view", "code_view"] });
    expect((await coder.client.jobs.get.query({ jobId: jobA.id })).id).toBe(jobA.id);
    await expectTrpcError(coder.client.jobs.list.query({ nodeId: a.id }), "FORBIDDEN", /package_view/);
  });

  test("node-level grants cover that node only", async () => {
    const m = await f.memberWith({
      project: ["project_view"],
      nodes: { [a.id]: ["package_view", "code_view"] },
    });
    expect(await m.client.jobs.list.query({ nodeId: a.id })).toHaveLength(1);
    expect((await m.client.jobs.get.query({ jobId: jobA.id })).log).toBe("");
    await expectTrpcError(m.client.jobs.list.query({ nodeId: b.id }), "FORBIDDEN");
    await expectTrpcError(m.client.jobs.get.query({ jobId: jobB.id }), "FORBIDDEN");
  });

  test("a job in another user's personal layer is NOT_FOUND, even with every permission", async () => {
    const perms = {
      project: [
        "project_view" as const,
        "package_view" as const,
        "package_create" as const,
        "code_view" as const,
      ],
    };
    const x = await f.memberWith(perms, "Xavier");
    const y = await f.memberWith(perms, "Yvonne");
    const layer = await x.client.dataLayers.create.mutate({
      projectId: f.projectId,
      name: "X",
      kind: "personal",
    });
    await x.client.packages.create.mutate({ nodeId: a.id, dataLayerId: layer.id, label: "private" });
    const [job] = await x.client.jobs.list.query({ nodeId: a.id, dataLayerId: layer.id });
    await expectTrpcError(y.client.jobs.get.query({ jobId: job!.id }), "NOT_FOUND");
    await expectTrpcError(y.client.jobs.list.query({ nodeId: a.id, dataLayerId: layer.id }), "NOT_FOUND");
    expect((await y.client.jobs.list.query({ nodeId: a.id })).map((j) => j.id)).not.toContain(job!.id);
  });

  test("a public role's rights let signed-out visitors list jobs but never read logs without code_view", async () => {
    const pub = await f.owner.client.projects.create.mutate({ name: "Open", isPublic: true });
    const n = await f.owner.client.graph.createNode.mutate({ projectId: pub.id, name: "C", kind: "compute" });
    const [main] = await f.owner.client.dataLayers.list.query({ projectId: pub.id });
    await f.owner.client.packages.create.mutate({ nodeId: n.id, dataLayerId: main!.id });
    await f.owner.client.roles.create.mutate({
      projectId: pub.id,
      name: "Everyone",
      isPublic: true,
      permissions: { project: ["project_view", "package_view"], nodes: {} },
    });
    const [job] = await f.anon.jobs.list.query({ nodeId: n.id });
    expect(job?.state).toBe("queued");
    await expectTrpcError(f.anon.jobs.get.query({ jobId: job!.id }), "UNAUTHORIZED");
  });

  test("API keys are refused on tRPC", async () => {
    const c = h.client({ bearer: "kf_whatever" });
    await expectTrpcError(c.jobs.list.query({ nodeId: a.id }), "UNAUTHORIZED");
  });
});
