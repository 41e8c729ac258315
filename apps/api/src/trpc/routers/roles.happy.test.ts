import { afterAll, beforeAll, expect, test } from "vitest";
import { createHarness, type Harness } from "../../../test/harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

test("create, update and delete a role with node-level permissions", async () => {
  const { client } = await h.user("Owner");
  const p = await client.projects.create.mutate({ name: "Roles" });
  const node = await h.db
    .insertInto("nodes")
    .values({ project_id: p.id, name: "input", kind: "data", runtime: null, entry: null })
    .returning("id")
    .executeTakeFirstOrThrow();

  const role = await client.roles.create.mutate({
    projectId: p.id,
    name: "Uploader",
    description: "Posts packages to the input node",
    permissions: {
      project: ["project_view", "graph_view"],
      nodes: { [node.id]: ["package_create", "package_view"] },
    },
  });
  expect(role).toMatchObject({
    name: "Uploader",
    isOwner: false,
    isPublic: false,
    permissions: {
      project: ["project_view", "graph_view"],
      nodes: { [node.id]: ["package_create", "package_view"] },
    },
  });

  const updated = await client.roles.update.mutate({
    roleId: role.id,
    name: "Reader",
    permissions: { project: ["project_view"], nodes: {} },
  });
  expect(updated).toMatchObject({ name: "Reader", permissions: { project: ["project_view"], nodes: {} } });

  await client.roles.delete.mutate({ roleId: role.id });
  expect((await client.roles.list.query({ projectId: p.id })).map((r) => r.name)).toEqual(["Owner"]);
});

test("a member's permissions are the union of their roles and the public role", async () => {
  const owner = await h.user("UnionOwner");
  const member = await h.user("UnionMember");
  const p = await owner.client.projects.create.mutate({ name: "Union" });
  const a = await owner.client.roles.create.mutate({
    projectId: p.id,
    name: "A",
    permissions: { project: ["project_view"], nodes: {} },
  });
  const b = await owner.client.roles.create.mutate({
    projectId: p.id,
    name: "B",
    permissions: { project: ["graph_view"], nodes: {} },
  });
  await owner.client.roles.create.mutate({
    projectId: p.id,
    name: "Public",
    isPublic: true,
    permissions: { project: ["package_view"], nodes: {} },
  });
  await owner.client.members.add.mutate({ projectId: p.id, email: member.email, roleIds: [a.id, b.id] });
  const got = await member.client.projects.get.query({ projectId: p.id });
  expect(got.permissions.sort()).toEqual(["graph_view", "package_view", "project_view"]);
});
