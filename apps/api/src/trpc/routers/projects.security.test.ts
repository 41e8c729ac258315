import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createHarness, expectTrpcError, type Harness } from "../../../test/harness";

let h: Harness;
let fixture: Awaited<ReturnType<typeof setup>>;

/** An owner, a member whose role has only project_view, a stranger and a signed-out visitor. */
async function setup() {
  const owner = await h.user("Owner");
  const member = await h.user("Viewer");
  const stranger = await h.user("Stranger");
  const project = await owner.client.projects.create.mutate({ name: "Matrix" });
  const viewer = await owner.client.roles.create.mutate({
    projectId: project.id,
    name: "Viewer",
    permissions: { project: ["project_view"], nodes: {} },
  });
  await owner.client.members.add.mutate({ projectId: project.id, email: member.email, roleIds: [viewer.id] });
  return { owner, member, stranger, anon: h.client(), project };
}

beforeAll(async () => {
  h = await createHarness();
  fixture = await setup();
});
afterAll(() => h.close());

describe("projects permission matrix", () => {
  test("get: member and owner see it; a stranger gets NOT_FOUND; signed-out UNAUTHORIZED", async () => {
    const { owner, member, stranger, anon, project } = fixture;
    expect((await owner.client.projects.get.query({ projectId: project.id })).name).toBe("Matrix");
    expect((await member.client.projects.get.query({ projectId: project.id })).permissions).toEqual([
      "project_view",
    ]);
    await expectTrpcError(stranger.client.projects.get.query({ projectId: project.id }), "NOT_FOUND");
    await expectTrpcError(anon.projects.get.query({ projectId: project.id }), "UNAUTHORIZED");
  });

  test("update needs project_edit", async () => {
    const { member, stranger, anon, project } = fixture;
    await expectTrpcError(
      member.client.projects.update.mutate({ projectId: project.id, name: "Hacked" }),
      "FORBIDDEN",
      /project_edit/,
    );
    await expectTrpcError(
      stranger.client.projects.update.mutate({ projectId: project.id, name: "Hacked" }),
      "NOT_FOUND",
    );
    await expectTrpcError(
      anon.projects.update.mutate({ projectId: project.id, name: "Hacked" }),
      "UNAUTHORIZED",
    );
    expect((await fixture.owner.client.projects.get.query({ projectId: project.id })).name).toBe("Matrix");
  });

  test("delete needs project_manage", async () => {
    const { member, stranger, anon, project } = fixture;
    await expectTrpcError(
      member.client.projects.delete.mutate({ projectId: project.id }),
      "FORBIDDEN",
      /project_manage/,
    );
    await expectTrpcError(stranger.client.projects.delete.mutate({ projectId: project.id }), "NOT_FOUND");
    await expectTrpcError(anon.projects.delete.mutate({ projectId: project.id }), "UNAUTHORIZED");
    expect(await fixture.owner.client.projects.get.query({ projectId: project.id })).toBeTruthy();
  });

  test("about of a private project: NOT_FOUND to strangers, UNAUTHORIZED signed out", async () => {
    const { member, stranger, anon, project } = fixture;
    expect((await member.client.projects.about.query({ projectId: project.id })).canViewProject).toBe(true);
    await expectTrpcError(stranger.client.projects.about.query({ projectId: project.id }), "NOT_FOUND");
    await expectTrpcError(anon.projects.about.query({ projectId: project.id }), "UNAUTHORIZED");
  });

  test("create and list need a session", async () => {
    await expectTrpcError(fixture.anon.projects.create.mutate({ name: "Anon" }), "UNAUTHORIZED");
    await expectTrpcError(fixture.anon.projects.list.query(), "UNAUTHORIZED");
  });

  test("a public role lets signed-out visitors read, never write", async () => {
    const { owner, anon } = fixture;
    const p = await owner.client.projects.create.mutate({ name: "Open" });
    await owner.client.roles.create.mutate({
      projectId: p.id,
      name: "Everyone",
      isPublic: true,
      permissions: { project: ["project_view", "project_edit", "graph_view"], nodes: {} },
    });
    const got = await anon.projects.get.query({ projectId: p.id });
    // project_edit is not a read permission, so signed-out visitors do not get it
    expect(got.permissions.sort()).toEqual(["graph_view", "project_view"]);
    await expectTrpcError(anon.projects.update.mutate({ projectId: p.id, name: "x" }), "UNAUTHORIZED");
    // a signed-in stranger holds the public role entirely
    const { stranger } = fixture;
    expect((await stranger.client.projects.get.query({ projectId: p.id })).permissions).toContain(
      "project_edit",
    );
  });
});
