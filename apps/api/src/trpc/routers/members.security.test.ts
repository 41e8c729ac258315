import { afterAll, beforeAll, expect, test } from "vitest";
import { createHarness, expectTrpcError, type Harness } from "../../../test/harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

test("members permission matrix: project_manage for every procedure", async () => {
  const owner = await h.user("Owner");
  const member = await h.user("Member");
  const stranger = await h.user("Stranger");
  const target = await h.user("Target");
  const anon = h.client();
  const p = await owner.client.projects.create.mutate({ name: "Members matrix" });
  const viewer = await owner.client.roles.create.mutate({
    projectId: p.id,
    name: "Viewer",
    permissions: { project: ["project_view"], nodes: {} },
  });
  const [ownerRole] = await owner.client.roles.list.query({ projectId: p.id });
  await owner.client.members.add.mutate({ projectId: p.id, email: member.email, roleIds: [viewer.id] });

  for (const [who, code] of [
    [member.client, "FORBIDDEN"],
    [stranger.client, "NOT_FOUND"],
    [anon, "UNAUTHORIZED"],
  ] as const) {
    await expectTrpcError(who.members.list.query({ projectId: p.id }), code);
    await expectTrpcError(
      who.members.add.mutate({ projectId: p.id, email: target.email, roleIds: [] }),
      code,
    );
    // nobody may promote themselves to owner
    await expectTrpcError(
      who.members.setRoles.mutate({ projectId: p.id, userId: member.user.id, roleIds: [ownerRole!.id] }),
      code,
    );
    await expectTrpcError(who.members.remove.mutate({ projectId: p.id, userId: owner.user.id }), code);
  }
  const members = await owner.client.members.list.query({ projectId: p.id });
  expect(members.map((m) => [m.name, m.roles.map((r) => r.name)])).toEqual([
    ["Owner", ["Owner"]],
    ["Member", ["Viewer"]],
  ]);
});
