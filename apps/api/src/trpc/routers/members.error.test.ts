import { afterAll, beforeAll, expect, test } from "vitest";
import {
  countRows,
  createHarness,
  deleteDuring,
  expectTrpcError,
  type Harness,
  queuedEmails,
} from "../../../test/harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

test("unknown e-mail, foreign roles, the public role and duplicates are refused; nothing written", async () => {
  const owner = await h.user("Owner");
  const dan = await h.user("Dan");
  const p = await owner.client.projects.create.mutate({ name: "Members" });
  const other = await owner.client.projects.create.mutate({ name: "Other" });
  const foreignRole = await owner.client.roles.create.mutate({
    projectId: other.id,
    name: "F",
    permissions: { project: [], nodes: {} },
  });
  const publicRole = await owner.client.roles.create.mutate({
    projectId: p.id,
    name: "Public",
    isPublic: true,
    permissions: { project: ["project_view"], nodes: {} },
  });
  const before = await countRows(h, "members");

  await expectTrpcError(
    owner.client.members.add.mutate({ projectId: p.id, email: "ghost@example.com", roleIds: [] }),
    "BAD_REQUEST",
    /^email: no Keyflow account/,
  );
  await expectTrpcError(
    owner.client.members.add.mutate({ projectId: p.id, email: "not an email", roleIds: [] }),
    "BAD_REQUEST",
    /^email:/,
  );
  await expectTrpcError(
    owner.client.members.add.mutate({ projectId: p.id, email: dan.email, roleIds: [foreignRole.id] }),
    "BAD_REQUEST",
    /^roleIds:/,
  );
  await expectTrpcError(
    owner.client.members.add.mutate({ projectId: p.id, email: dan.email, roleIds: [publicRole.id] }),
    "BAD_REQUEST",
    /public role/,
  );
  expect(await countRows(h, "members")).toBe(before);

  await owner.client.members.add.mutate({ projectId: p.id, email: dan.email, roleIds: [] });
  await expectTrpcError(
    owner.client.members.add.mutate({ projectId: p.id, email: dan.email, roleIds: [] }),
    "CONFLICT",
    /already a member/,
  );
  // the refused and the rolled-back attempts queued no e-mail; the one success queued one
  expect((await queuedEmails(h)).filter((m) => m.to === dan.email)).toHaveLength(1);
});

test("a role deleted while a member is added with it: BAD_REQUEST naming roleIds, no member, no e-mail", async () => {
  const owner = await h.user("RaceOwner");
  const erin = await h.user("Erin");
  const p = await owner.client.projects.create.mutate({ name: "Race" });
  const role = await owner.client.roles.create.mutate({
    projectId: p.id,
    name: "Doomed",
    permissions: { project: ["project_view"], nodes: {} },
  });
  await expectTrpcError(
    deleteDuring(h, { table: "roles", id: role.id }, 'insert into "member_roles"', () =>
      owner.client.members.add.mutate({ projectId: p.id, email: erin.email, roleIds: [role.id] }),
    ),
    "BAD_REQUEST",
    /^roleIds: every role must belong to this project/,
  );
  const members = await h.db.selectFrom("members").select("user_id").where("project_id", "=", p.id).execute();
  expect(members.map((m) => m.user_id)).not.toContain(erin.user.id);
  expect((await queuedEmails(h)).filter((m) => m.to === erin.email)).toEqual([]);
});

test("the last holder of the owner role can be neither removed nor demoted", async () => {
  const owner = await h.user("Last");
  const p = await owner.client.projects.create.mutate({ name: "Solo" });
  await expectTrpcError(
    owner.client.members.remove.mutate({ projectId: p.id, userId: owner.user.id }),
    "CONFLICT",
    /last holder of the owner role/,
  );
  await expectTrpcError(
    owner.client.members.setRoles.mutate({ projectId: p.id, userId: owner.user.id, roleIds: [] }),
    "CONFLICT",
    /last holder/,
  );
  expect((await owner.client.members.list.query({ projectId: p.id }))[0]?.roles).toHaveLength(1);
});

test("removing someone who is not a member is NOT_FOUND", async () => {
  const owner = await h.user("NF");
  const eve = await h.user("Eve");
  const p = await owner.client.projects.create.mutate({ name: "NF" });
  await expectTrpcError(
    owner.client.members.remove.mutate({ projectId: p.id, userId: eve.user.id }),
    "NOT_FOUND",
    /Member not found/,
  );
});

test("removing a member of a private project revokes their keys there; the list showed them first", async () => {
  const owner = await h.user("Owner");
  const holder = await h.user("Holder");
  const p = await owner.client.projects.create.mutate({ name: "Private service" });
  const role = await owner.client.roles.create.mutate({
    projectId: p.id,
    name: "Client",
    permissions: { project: ["project_view"], nodes: {} },
  });
  await owner.client.members.add.mutate({ projectId: p.id, email: holder.email, roleIds: [role.id] });
  const t = await owner.client.apiKeys.createTemplate.mutate({
    projectId: p.id,
    name: "Internal",
    roleId: role.id,
  });
  const { keyId } = await owner.client.apiKeys.approve.mutate({
    requestId: (await holder.client.apiKeys.request.mutate({ templateId: t.id })).id,
  });
  const listed = (await owner.client.members.list.query({ projectId: p.id })).find(
    (m) => m.userId === holder.user.id,
  );
  expect(listed?.activeKeys).toEqual([{ id: keyId, templateName: "Internal" }]);
  await owner.client.members.remove.mutate({ projectId: p.id, userId: holder.user.id });
  expect((await holder.client.apiKeys.mine.query()).find((k) => k.id === keyId)?.state).toBe("revoked");
});
