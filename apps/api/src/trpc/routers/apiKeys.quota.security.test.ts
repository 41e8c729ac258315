import { afterAll, beforeAll, expect, test } from "vitest";
import { createHarness, expectTrpcError, type Harness, projectWithKey } from "../../../test/harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

test("only a manager of the key's project tops up a quota or changes it; to others the key does not exist", async () => {
  const k = await projectWithKey(h);
  await k.owner.client.apiKeys.updateTemplate.mutate({
    templateId: k.template.id,
    quota: { requests: 5, period: "day" },
  });
  const stranger = await h.user("Stranger");
  const member = await h.user("Member");
  const editor = await k.owner.client.roles.create.mutate({
    projectId: k.project.id,
    name: "Editor",
    permissions: { project: ["project_view", "project_edit", "graph_edit"], nodes: {} },
  });
  await k.owner.client.members.add.mutate({
    projectId: k.project.id,
    email: member.email,
    roleIds: [editor.id],
  });
  const grant = (c: typeof member.client) => c.apiKeys.grantQuota.mutate({ keyId: k.keyId, requests: 1 });

  await expectTrpcError(grant(h.client()), "UNAUTHORIZED");
  await expectTrpcError(grant(member.client), "FORBIDDEN");
  // the holder cannot top up their own key, nor can an outsider; neither learns the key exists
  await expectTrpcError(grant(k.holder.client), "NOT_FOUND");
  await expectTrpcError(grant(stranger.client), "NOT_FOUND");
  await expectTrpcError(
    stranger.client.apiKeys.grantQuota.mutate({ keyId: 999_999, requests: 1 }),
    "NOT_FOUND",
  );
  await expectTrpcError(
    member.client.apiKeys.updateTemplate.mutate({ templateId: k.template.id, quota: null }),
    "FORBIDDEN",
  );
  const rows = await h.db.selectFrom("quota_usage").selectAll().where("key_id", "=", k.keyId).execute();
  expect(rows).toEqual([]);
  const [t] = await k.owner.client.apiKeys.listTemplates.query({ projectId: k.project.id });
  expect(t?.quota).toEqual({ requests: 5, period: "day" });
});
