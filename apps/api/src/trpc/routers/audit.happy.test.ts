import { afterAll, beforeAll, expect, test } from "vitest";
import { createHarness, type Harness } from "../../../test/harness";

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
