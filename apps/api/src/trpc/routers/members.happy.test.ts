import { afterAll, beforeAll, expect, test } from "vitest";
import { createHarness, type Harness, queuedEmails } from "../../../test/harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

test("adding a member by e-mail gives them the roles and queues the member-added e-mail", async () => {
  const owner = await h.user("Owner");
  const bob = await h.user("Bob");
  const p = await owner.client.projects.create.mutate({ name: "Team" });
  const role = await owner.client.roles.create.mutate({
    projectId: p.id,
    name: "Dev",
    permissions: { project: ["project_view"], nodes: {} },
  });

  const added = await owner.client.members.add.mutate({
    projectId: p.id,
    email: bob.email.toUpperCase(),
    roleIds: [role.id],
  });
  expect(added).toEqual({
    userId: bob.user.id,
    name: "Bob",
    email: bob.email,
    roles: [{ id: role.id, name: "Dev" }],
    activeKeys: [],
  });
  expect((await bob.client.projects.list.query()).map((x) => x.id)).toContain(p.id);

  expect(await queuedEmails(h)).toContainEqual(
    expect.objectContaining({
      to: bob.email,
      template: "member_added",
      data: expect.objectContaining({ projectName: "Team" }),
    }),
  );
});

test("setRoles replaces roles; remove ends membership", async () => {
  const owner = await h.user("Owner2");
  const carol = await h.user("Carol");
  const p = await owner.client.projects.create.mutate({ name: "Team 2" });
  const a = await owner.client.roles.create.mutate({
    projectId: p.id,
    name: "A",
    permissions: { project: ["project_view"], nodes: {} },
  });
  const b = await owner.client.roles.create.mutate({
    projectId: p.id,
    name: "B",
    permissions: { project: ["project_view", "graph_view"], nodes: {} },
  });
  await owner.client.members.add.mutate({ projectId: p.id, email: carol.email, roleIds: [a.id] });
  const changed = await owner.client.members.setRoles.mutate({
    projectId: p.id,
    userId: carol.user.id,
    roleIds: [b.id],
  });
  expect(changed.roles).toEqual([{ id: b.id, name: "B" }]);
  expect((await carol.client.projects.get.query({ projectId: p.id })).permissions.sort()).toEqual([
    "graph_view",
    "project_view",
  ]);

  await owner.client.members.remove.mutate({ projectId: p.id, userId: carol.user.id });
  expect((await owner.client.members.list.query({ projectId: p.id })).map((m) => m.name)).toEqual(["Owner2"]);
});

test("ownership can be handed over once someone else holds the owner role", async () => {
  const owner = await h.user("Old");
  const heir = await h.user("Heir");
  const p = await owner.client.projects.create.mutate({ name: "Handover" });
  const [ownerRole] = await owner.client.roles.list.query({ projectId: p.id });
  await owner.client.members.add.mutate({ projectId: p.id, email: heir.email, roleIds: [ownerRole!.id] });
  await heir.client.members.remove.mutate({ projectId: p.id, userId: owner.user.id });
  expect((await heir.client.members.list.query({ projectId: p.id })).map((m) => m.name)).toEqual(["Heir"]);
});
