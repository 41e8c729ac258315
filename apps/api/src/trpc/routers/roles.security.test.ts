import { afterAll, beforeAll, expect, test } from "vitest";
import { createHarness, expectTrpcError, type Harness } from "../../../test/harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

test("roles permission matrix: project_manage to list/create/update/delete", async () => {
  const owner = await h.user("Owner");
  const member = await h.user("Member");
  const stranger = await h.user("Stranger");
  const anon = h.client();
  const p = await owner.client.projects.create.mutate({ name: "Roles matrix" });
  const editor = await owner.client.roles.create.mutate({
    projectId: p.id,
    name: "Editor",
    // everything except project_manage
    permissions: {
      project: ["project_view", "project_edit", "graph_view", "graph_edit", "code_view", "code_edit"],
      nodes: {},
    },
  });
  await owner.client.members.add.mutate({ projectId: p.id, email: member.email, roleIds: [editor.id] });
  const perms = { project: ["project_view" as const], nodes: {} };

  await expectTrpcError(member.client.roles.list.query({ projectId: p.id }), "FORBIDDEN", /project_manage/);
  await expectTrpcError(
    member.client.roles.create.mutate({ projectId: p.id, name: "Mine", permissions: perms }),
    "FORBIDDEN",
  );
  // a member cannot raise their own role
  await expectTrpcError(
    member.client.roles.update.mutate({
      roleId: editor.id,
      permissions: { project: ["project_view", "project_manage"], nodes: {} },
    }),
    "FORBIDDEN",
  );
  await expectTrpcError(member.client.roles.delete.mutate({ roleId: editor.id }), "FORBIDDEN");

  await expectTrpcError(stranger.client.roles.list.query({ projectId: p.id }), "NOT_FOUND");
  await expectTrpcError(
    stranger.client.roles.update.mutate({ roleId: editor.id, name: "x" }),
    "NOT_FOUND",
    /Role not found/,
  );
  await expectTrpcError(stranger.client.roles.delete.mutate({ roleId: editor.id }), "NOT_FOUND");

  await expectTrpcError(anon.roles.list.query({ projectId: p.id }), "UNAUTHORIZED");
  await expectTrpcError(
    anon.roles.create.mutate({ projectId: p.id, name: "x", permissions: perms }),
    "UNAUTHORIZED",
  );
  await expectTrpcError(anon.roles.delete.mutate({ roleId: editor.id }), "UNAUTHORIZED");

  const roles = await owner.client.roles.list.query({ projectId: p.id });
  expect(roles.find((r) => r.id === editor.id)?.permissions.project).not.toContain("project_manage");
});
