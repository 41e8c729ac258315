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

describe("projects.get of a public project for callers without project_view", () => {
  test("a stranger gets the public view with no permissions, even those a public role grants; signed out UNAUTHORIZED", async () => {
    const { owner, stranger, anon } = fixture;
    const p = await owner.client.projects.create.mutate({ name: "Storefront", isPublic: true });
    const node = await owner.client.graph.createNode.mutate({ projectId: p.id, name: "in", kind: "data" });
    // a public role without project_view opens nothing else, so its grants are not shown
    await owner.client.roles.create.mutate({
      projectId: p.id,
      name: "Everyone",
      isPublic: true,
      permissions: { project: ["graph_view"], nodes: { [node.id]: ["package_view"] } },
    });
    const got = await stranger.client.projects.get.query({ projectId: p.id });
    expect(got).toMatchObject({
      name: "Storefront",
      canViewProject: false,
      permissions: [],
      nodePermissions: {},
    });
    // the public view opens no other section
    await expectTrpcError(stranger.client.graph.get.query({ projectId: p.id }), "NOT_FOUND");
    await expectTrpcError(anon.projects.get.query({ projectId: p.id }), "UNAUTHORIZED");
  });

  test("a private project stays NOT_FOUND to a member without project_view", async () => {
    const { owner, stranger, project } = fixture;
    const p = await owner.client.projects.create.mutate({ name: "Back office" });
    await owner.client.members.add.mutate({ projectId: p.id, email: stranger.email, roleIds: [] });
    await expectTrpcError(stranger.client.projects.get.query({ projectId: p.id }), "NOT_FOUND");
    await expectTrpcError(stranger.client.projects.get.query({ projectId: project.id }), "NOT_FOUND");
  });
});

describe("projects.list shows exactly the projects the caller may view", () => {
  test("a member without project_view sees neither the name nor the description of a private project", async () => {
    const owner = await h.user("Owner");
    const member = await h.user("Packer");
    const project = await owner.client.projects.create.mutate({
      name: "Secret plans",
      description: "Acquisition of a competitor",
    });
    const packer = await owner.client.roles.create.mutate({
      projectId: project.id,
      name: "Packer",
      permissions: { project: ["package_view"], nodes: {} },
    });
    await owner.client.members.add.mutate({
      projectId: project.id,
      email: member.email,
      roleIds: [packer.id],
    });
    await expectTrpcError(member.client.projects.get.query({ projectId: project.id }), "NOT_FOUND");
    const listed = await member.client.projects.list.query();
    expect(listed.map((p) => p.id)).not.toContain(project.id);
    expect(JSON.stringify(listed)).not.toMatch(/Secret plans|Acquisition/);

    // once their role grants project_view, list and get agree again
    await owner.client.roles.update.mutate({
      roleId: packer.id,
      permissions: { project: ["project_view", "package_view"], nodes: {} },
    });
    expect((await member.client.projects.get.query({ projectId: project.id })).name).toBe("Secret plans");
    expect((await member.client.projects.list.query()).find((p) => p.id === project.id)).toMatchObject({
      name: "Secret plans",
      isMember: true,
    });
  });

  test("list and get agree for every caller: members, strangers, a public role, a public project", async () => {
    const owner = await h.user("Owner");
    const member = await h.user("Member");
    const stranger = await h.user("Stranger");
    const privateOne = await owner.client.projects.create.mutate({ name: "Private" });
    const withPublicRole = await owner.client.projects.create.mutate({ name: "Public role" });
    await owner.client.roles.create.mutate({
      projectId: withPublicRole.id,
      name: "Everyone",
      isPublic: true,
      permissions: { project: ["project_view"], nodes: {} },
    });
    const publicOne = await owner.client.projects.create.mutate({ name: "Public", isPublic: true });
    const graphOnly = await owner.client.roles.create.mutate({
      projectId: privateOne.id,
      name: "Graph",
      permissions: { project: ["graph_view"], nodes: {} },
    });
    await owner.client.members.add.mutate({
      projectId: privateOne.id,
      email: member.email,
      roleIds: [graphOnly.id],
    });
    const ours = [privateOne.id, withPublicRole.id];
    for (const caller of [owner, member, stranger]) {
      const listed = new Set((await caller.client.projects.list.query()).map((p) => p.id));
      for (const projectId of ours) {
        const viewable = await caller.client.projects.get.query({ projectId }).then(
          () => true,
          () => false,
        );
        expect(listed.has(projectId), `${caller.user.name} and project ${projectId}`).toBe(viewable);
      }
      // a public project's About page is open to every signed-in user, so it is listed
      expect(listed.has(publicOne.id)).toBe(true);
    }
    expect((await member.client.projects.list.query()).map((p) => p.id)).not.toContain(privateOne.id);
    expect((await stranger.client.projects.list.query()).map((p) => p.id)).toContain(withPublicRole.id);
  });
});
