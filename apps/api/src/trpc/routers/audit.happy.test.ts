import { afterAll, beforeAll, expect, test } from "vitest";
import { createHarness, type Harness, projectWithKey } from "../../../test/harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const entries = (page: { items: { action: string; target: string; actor: { name: string } | null }[] }) =>
  page.items.map((e) => [e.action, e.target, e.actor?.name]);

test("the owner sees what was done in the project, newest first, with who did it", async () => {
  const owner = await h.user("Owner");
  const editor = await h.user("Editor");
  const p = await owner.client.projects.create.mutate({ name: "Audited" });
  const input = await owner.client.graph.createNode.mutate({ projectId: p.id, name: "input", kind: "data" });
  const role = await owner.client.roles.create.mutate({
    projectId: p.id,
    name: "Editors",
    permissions: { project: ["project_view", "graph_view", "graph_edit"], nodes: {} },
  });
  await owner.client.members.add.mutate({ projectId: p.id, email: editor.email, roleIds: [role.id] });
  const output = await editor.client.graph.createNode.mutate({
    projectId: p.id,
    name: "output",
    kind: "data",
  });
  await editor.client.graph.createLink.mutate({ projectId: p.id, fromNodeId: input.id, toNodeId: output.id });
  // what happens in another project stays out of this log
  await owner.client.projects.create.mutate({ name: "Elsewhere" });

  const log = await owner.client.audit.list.query({ projectId: p.id });
  expect(entries(log)).toEqual([
    ["link.create", "input → output", "Editor"],
    ["node.create", "output", "Editor"],
    ["member.add", editor.email, "Owner"],
    ["role.create", "Editors", "Owner"],
    ["node.create", "input", "Owner"],
    ["project.create", "Audited", "Owner"],
  ]);
  expect(log).toMatchObject({ page: 1, hasMore: false });
  expect(log.items[0]).toMatchObject({
    actor: { id: editor.user.id, name: "Editor", email: editor.email },
    details: { fromNodeId: input.id, toNodeId: output.id },
  });
  expect(log.items[0]!.createdAt).toBeInstanceOf(Date);
  const ids = log.items.map((e) => e.id);
  expect(ids).toEqual([...ids].sort((a, b) => b - a));
});

test("a long log is paged by 50, the second page continuing where the first stopped", async () => {
  const owner = await h.user("Busy");
  const p = await owner.client.projects.create.mutate({ name: "Busy" });
  for (let i = 1; i <= 55; i++)
    await owner.client.graph.createNode.mutate({ projectId: p.id, name: `n${i}`, kind: "data" });

  const first = await owner.client.audit.list.query({ projectId: p.id });
  expect(first.items).toHaveLength(50);
  expect(first.hasMore).toBe(true);
  expect(first.items[0]!.target).toBe("n55");
  const second = await owner.client.audit.list.query({ projectId: p.id, page: 2 });
  expect(second).toMatchObject({ page: 2, hasMore: false });
  expect(second.items.map((e) => e.target)).toEqual(["n5", "n4", "n3", "n2", "n1", "Busy"]);
  expect(await owner.client.audit.list.query({ projectId: p.id, page: 3 })).toMatchObject({
    items: [],
    hasMore: false,
  });
});

test("filters by action and by person, lists everyone in the log, and names what entries point at", async () => {
  const k = await projectWithKey(h, { templateName: "Translate API" });
  const { owner, holder, project } = k;
  const node = await owner.client.graph.createNode.mutate({
    projectId: project.id,
    name: "doubler",
    kind: "data",
  });
  const member = await h.user("Rita Reader");
  await owner.client.members.add.mutate({ projectId: project.id, email: member.email, roleIds: [k.role.id] });
  await owner.client.members.setRoles.mutate({ projectId: project.id, userId: member.user.id, roleIds: [] });

  const all = await owner.client.audit.list.query({ projectId: project.id });
  // everyone who did something here, the requester included though not a member
  expect(all.actors.map((a) => a.name).sort()).toEqual(["Holder", "Owner"]);
  expect(all.actors.find((a) => a.name === "Holder")).toEqual({
    id: holder.user.id,
    name: "Holder",
    email: holder.email,
  });
  // the ids entries carry come with names: the revealed key, the member whose roles changed, the node
  expect(all.names.keys).toEqual([{ id: k.keyId, templateName: "Translate API", holderId: holder.user.id }]);
  expect(all.names.users.map((u) => u.name).sort()).toEqual(["Holder", "Rita Reader"]);
  expect(all.names.nodes).toEqual([{ id: node.id, name: "doubler", kind: "data" }]);

  const reveals = await owner.client.audit.list.query({ projectId: project.id, action: "key.reveal" });
  expect(reveals.items.map((e) => [e.action, e.target, e.actor?.name])).toEqual([
    ["key.reveal", String(k.keyId), "Holder"],
  ]);
  const byHolder = await owner.client.audit.list.query({ projectId: project.id, actorId: holder.user.id });
  expect(byHolder.items.map((e) => e.action)).toEqual(["key.reveal", "key.request"]);
  // the person list stays whole under a filter, so the filter can be changed
  expect(byHolder.actors).toHaveLength(2);
  const both = await owner.client.audit.list.query({
    projectId: project.id,
    actorId: owner.user.id,
    action: "member.set_roles",
  });
  expect(both.items.map((e) => e.target)).toEqual([String(member.user.id)]);
  expect(both.names.users).toEqual([{ id: member.user.id, name: "Rita Reader", email: member.email }]);
  // nobody did that: an empty page, not an error
  expect(
    await owner.client.audit.list.query({ projectId: project.id, actorId: member.user.id }),
  ).toMatchObject({ items: [], hasMore: false });
});
