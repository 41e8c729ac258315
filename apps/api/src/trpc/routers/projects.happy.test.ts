import { afterAll, beforeAll, expect, test } from "vitest";
import { createHarness, type Harness, projectWithKey, queuedEmails } from "../../../test/harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

test("creating a project makes the creator owner with every permission and a shared layer", async () => {
  const { client, user } = await h.user("Owner");
  const p = await client.projects.create.mutate({ name: "Weather", description: "Forecasts" });
  expect(p).toMatchObject({ name: "Weather", description: "Forecasts", isPublic: false, isMember: true });

  const got = await client.projects.get.query({ projectId: p.id });
  expect(got.permissions.sort()).toEqual(
    [
      "code_edit",
      "code_view",
      "graph_edit",
      "graph_view",
      "package_create",
      "package_delete",
      "package_view",
      "project_edit",
      "project_manage",
      "project_view",
    ].sort(),
  );
  const roles = await client.roles.list.query({ projectId: p.id });
  expect(roles).toHaveLength(1);
  expect(roles[0]).toMatchObject({ name: "Owner", isOwner: true });
  const members = await client.members.list.query({ projectId: p.id });
  expect(members).toEqual([
    {
      userId: user.id,
      name: "Owner",
      email: user.email,
      roles: [{ id: roles[0]!.id, name: "Owner" }],
      activeKeys: [],
    },
  ]);
  const layers = await h.db.selectFrom("data_layers").selectAll().where("project_id", "=", p.id).execute();
  expect(layers).toMatchObject([{ name: "Main", kind: "shared", owner_id: null }]);
});

test("list shows my projects first, then public projects of others", async () => {
  const a = await h.user("ListA");
  const b = await h.user("ListB");
  const mine = await a.client.projects.create.mutate({ name: "Mine" });
  const pub = await b.client.projects.create.mutate({ name: "Open data", isPublic: true });
  const hidden = await b.client.projects.create.mutate({ name: "Private" });
  const list = await a.client.projects.list.query();
  const ids = list.map((p) => p.id);
  expect(ids).toContain(mine.id);
  expect(ids).toContain(pub.id);
  expect(ids).not.toContain(hidden.id);
  expect(ids.indexOf(mine.id)).toBeLessThan(ids.indexOf(pub.id));
  expect(list.find((p) => p.id === pub.id)?.isMember).toBe(false);
});

test("update and audit log", async () => {
  const { client } = await h.user("Editor");
  const p = await client.projects.create.mutate({ name: "Draft" });
  const updated = await client.projects.update.mutate({ projectId: p.id, name: "Final", isPublic: true });
  expect(updated).toMatchObject({ name: "Final", isPublic: true });
  const log = await client.audit.list.query({ projectId: p.id });
  expect(log.items.map((e) => e.action)).toEqual(["project.update", "project.create"]);
  expect(log.items[0]?.actor?.name).toBe("Editor");
});

test("a public project's About page is visible to any signed-in user", async () => {
  const owner = await h.user("PubOwner");
  const visitor = await h.user("Visitor");
  const p = await owner.client.projects.create.mutate({
    name: "Service",
    description: "Doubles numbers",
    isPublic: true,
  });
  const about = await visitor.client.projects.about.query({ projectId: p.id });
  expect(about).toMatchObject({ name: "Service", description: "Doubles numbers", canViewProject: false });
  // the shell's one call answers too: the public view, with no permissions
  expect(await visitor.client.projects.get.query({ projectId: p.id })).toEqual({
    id: p.id,
    name: "Service",
    description: "Doubles numbers",
    isPublic: true,
    createdAt: p.createdAt,
    isMember: false,
    canViewProject: false,
    permissions: [],
    nodePermissions: {},
  });
  expect(await owner.client.projects.get.query({ projectId: p.id })).toMatchObject({
    isMember: true,
    canViewProject: true,
  });
});

test("delete hides the project, revokes its keys, cancels its requests and queued jobs, with e-mails", async () => {
  const k = await projectWithKey(h, { templateName: "Doomed" });
  const waiter = await h.user("Waiter");
  await waiter.client.apiKeys.request.mutate({ templateId: k.template.id });
  const node = await k.owner.client.graph.createNode.mutate({
    projectId: k.project.id,
    name: "c",
    kind: "compute",
  });
  const [layer] = await k.owner.client.dataLayers.list.query({ projectId: k.project.id });
  await k.owner.client.packages.create.mutate({ nodeId: node.id, dataLayerId: layer!.id, fields: { x: 1 } });

  await k.owner.client.projects.delete.mutate({ projectId: k.project.id });
  expect((await k.owner.client.projects.list.query()).map((x) => x.id)).not.toContain(k.project.id);
  expect((await k.holder.client.apiKeys.mine.query())[0]?.state).toBe("revoked");
  const jobs = await h.db
    .selectFrom("jobs")
    .select(["state", "error"])
    .where("node_id", "=", node.id)
    .execute();
  expect(jobs).toEqual([{ state: "failed", error: "project deleted" }]);
  const mails = await queuedEmails(h);
  expect(mails).toContainEqual(expect.objectContaining({ to: k.holder.email, template: "key_revoked" }));
  expect(mails).toContainEqual(
    expect.objectContaining({ to: waiter.email, template: "key_request_cancelled" }),
  );
});
