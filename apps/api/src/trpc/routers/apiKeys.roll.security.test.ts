import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { countRows, createHarness, expectTrpcError, type Harness, queuedEmails } from "../../../test/harness";
import { rest } from "../../../test/rest";
import { keyAndConsumer } from "../../../test/secretFixtures";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

async function keyRow(keyId: number) {
  return h.db
    .selectFrom("api_keys")
    .select(["token_hash", "previous_token_hash", "rolled_at"])
    .where("id", "=", keyId)
    .executeTakeFirstOrThrow();
}

describe("who may roll a key", () => {
  test("no session, a stranger, a member without project_manage and a key on tRPC are refused; nothing changes", async () => {
    const k = await keyAndConsumer(h);
    await k.holder.client.secrets.importApiKey.mutate({
      projectId: k.consumer.id,
      keyId: k.keyId,
      prefix: "svc",
    });
    const member = await h.user("Member");
    const viewer = await k.owner.client.roles.create.mutate({
      projectId: k.project.id,
      name: "Editor",
      permissions: { project: ["project_view", "project_edit", "graph_edit"], nodes: {} },
    });
    await k.owner.client.members.add.mutate({
      projectId: k.project.id,
      email: member.email,
      roleIds: [viewer.id],
    });
    const stranger = await h.user("Stranger");
    const roll = (c: typeof member.client) => c.apiKeys.roll.mutate({ keyId: k.keyId, graceMinutes: 0 });
    const before = await keyRow(k.keyId);
    const audit = await countRows(h, "audit_log");
    const mails = (await queuedEmails(h)).length;

    await expectTrpcError(roll(h.client()), "UNAUTHORIZED");
    await expectTrpcError(roll(stranger.client), "NOT_FOUND", /^API key not found$/);
    await expectTrpcError(roll(member.client), "FORBIDDEN", /project_manage/);
    // an API key is no session: tRPC refuses it before anything is looked up
    const res = await h.app.request("/trpc/apiKeys.roll", {
      method: "POST",
      headers: { authorization: `Bearer ${k.token}`, "content-type": "application/json" },
      body: JSON.stringify({ json: { keyId: k.keyId } }),
    });
    expect(res.status).toBe(401);

    expect(await keyRow(k.keyId)).toEqual(before);
    expect(await countRows(h, "audit_log")).toBe(audit);
    expect((await queuedEmails(h)).length).toBe(mails);
    const ok = await rest(h, { bearer: k.token }).get(`/api/projects/${k.project.id}/data_layers`);
    expect(ok.status).toBe(200);
  });

  test("a key of a private project is NOT_FOUND to a stranger, like any key not theirs", async () => {
    const owner = await h.user("Owner");
    const holder = await h.user("Holder");
    const stranger = await h.user("Stranger");
    const project = await owner.client.projects.create.mutate({ name: "Private" });
    const role = await owner.client.roles.create.mutate({
      projectId: project.id,
      name: "R",
      permissions: { project: ["project_view"], nodes: {} },
    });
    await owner.client.members.add.mutate({ projectId: project.id, email: holder.email, roleIds: [role.id] });
    const template = await owner.client.apiKeys.createTemplate.mutate({
      projectId: project.id,
      name: "T",
      roleId: role.id,
    });
    const request = await holder.client.apiKeys.request.mutate({ templateId: template.id });
    const { keyId } = await owner.client.apiKeys.approve.mutate({ requestId: request.id });
    const before = await keyRow(keyId);
    await expectTrpcError(stranger.client.apiKeys.roll.mutate({ keyId }), "NOT_FOUND", /^API key not found$/);
    expect(await keyRow(keyId)).toEqual(before);
  });

  test("an owner's roll never answers with the token, and no token reaches the audit log or the e-mail", async () => {
    const k = await keyAndConsumer(h);
    await k.holder.client.secrets.importApiKey.mutate({
      projectId: k.consumer.id,
      keyId: k.keyId,
      prefix: "svc",
    });
    const res = await h.app.request("/trpc/apiKeys.roll", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        origin: h.config.appUrl,
        cookie: h.cookieHeader(k.owner.client),
      },
      body: JSON.stringify({ json: { keyId: k.keyId } }),
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    const { token } = await k.holder.client.apiKeys.reveal.mutate({ keyId: k.keyId });
    expect(token).not.toBe(k.token);
    expect(text).not.toContain(token);
    expect(text).not.toContain("kf_");
    const audit = await h.db.selectFrom("audit_log").select(["target", "details"]).execute();
    expect(JSON.stringify(audit)).not.toContain(token);
    expect(JSON.stringify(await queuedEmails(h))).not.toContain(token);
    // the rewritten secret stays write-only: nobody can reveal it
    const [secret] = (await k.holder.client.secrets.list.query({ projectId: k.consumer.id })).filter(
      (s) => s.name === "svc_token",
    );
    await expectTrpcError(k.holder.client.secrets.reveal.mutate({ secretId: secret!.id }), "FORBIDDEN");
  });
});
