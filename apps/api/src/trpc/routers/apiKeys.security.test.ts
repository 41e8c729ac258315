import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  createHarness,
  expectTrpcError,
  type Harness,
  projectWithKey,
  queuedEmails,
} from "../../../test/harness";

let h: Harness;
let f: Awaited<ReturnType<typeof setup>>;

/** A service project with a key, plus a member without project_manage, a stranger and a visitor. */
async function setup() {
  const k = await projectWithKey(h);
  const member = await h.user("Member");
  const stranger = await h.user("Stranger");
  const viewer = await k.owner.client.roles.create.mutate({
    projectId: k.project.id,
    name: "Viewer",
    permissions: { project: ["project_view", "project_edit", "graph_edit"], nodes: {} },
  });
  await k.owner.client.members.add.mutate({
    projectId: k.project.id,
    email: member.email,
    roleIds: [viewer.id],
  });
  const privateProject = await k.owner.client.projects.create.mutate({ name: "Private" });
  const privateRole = await k.owner.client.roles.create.mutate({
    projectId: privateProject.id,
    name: "R",
    permissions: { project: ["project_view"], nodes: {} },
  });
  const privateTemplate = await k.owner.client.apiKeys.createTemplate.mutate({
    projectId: privateProject.id,
    name: "Hidden",
    roleId: privateRole.id,
  });
  const pending = await stranger.client.apiKeys.request.mutate({ templateId: k.template.id });
  return { ...k, member, stranger, anon: h.client(), privateTemplate, pending };
}

beforeAll(async () => {
  h = await createHarness();
  f = await setup();
});
afterAll(() => h.close());

const field = () => f.template.fields[0]!.id;

describe("owner-only procedures need project_manage", () => {
  test("a member without it is FORBIDDEN, a stranger NOT_FOUND (private) , a visitor UNAUTHORIZED", async () => {
    const calls = (c: typeof f.member.client) => [
      () => c.apiKeys.listTemplates.query({ projectId: f.project.id }),
      () => c.apiKeys.createTemplate.mutate({ projectId: f.project.id, name: "Mine", roleId: f.role.id }),
      () => c.apiKeys.updateTemplate.mutate({ templateId: f.template.id, pricePerRequest: "0" }),
      () => c.apiKeys.deleteTemplate.mutate({ templateId: f.template.id }),
      () => c.apiKeys.addField.mutate({ templateId: f.template.id, name: "x" }),
      () => c.apiKeys.updateField.mutate({ fieldId: field(), value: "1" }),
      () => c.apiKeys.removeField.mutate({ fieldId: field() }),
      () => c.apiKeys.listRequests.query({ projectId: f.project.id }),
      () => c.apiKeys.approve.mutate({ requestId: f.pending.id }),
      () => c.apiKeys.reject.mutate({ requestId: f.pending.id }),
      () =>
        c.apiKeys.issued.query({
          projectId: f.project.id,
          from: new Date(Date.now() - 3_600_000),
          to: new Date(),
        }),
      () => c.apiKeys.revoke.mutate({ keyId: f.keyId }),
    ];
    for (const call of calls(f.member.client)) await expectTrpcError(call(), "FORBIDDEN");
    for (const call of calls(f.anon)) await expectTrpcError(call(), "UNAUTHORIZED");
    // nothing changed
    const [template] = await f.owner.client.apiKeys.listTemplates.query({ projectId: f.project.id });
    expect(template?.fields).toHaveLength(3);
    expect((await f.holder.client.apiKeys.mine.query())[0]?.state).toBe("active");
    expect(
      (await f.owner.client.apiKeys.listRequests.query({ projectId: f.project.id, status: "pending" })).map(
        (r) => r.id,
      ),
    ).toEqual([f.pending.id]);
  });

  test("a stranger cannot see another project's templates, requests or keys", async () => {
    const s = f.stranger.client;
    // the service project is public: a stranger sees its About page but manages nothing
    await expectTrpcError(s.apiKeys.listTemplates.query({ projectId: f.project.id }), "NOT_FOUND");
    await expectTrpcError(s.apiKeys.approve.mutate({ requestId: f.pending.id }), "NOT_FOUND");
    await expectTrpcError(s.apiKeys.revoke.mutate({ keyId: f.keyId }), "NOT_FOUND");
    await expectTrpcError(s.apiKeys.reveal.mutate({ keyId: f.keyId }), "NOT_FOUND");
    await expectTrpcError(
      s.usage.series.query({
        keyId: f.keyId,
        from: new Date(Date.now() - 3_600_000),
        to: new Date(),
        bucket: "hour",
      }),
      "NOT_FOUND",
    );
  });

  test("a private project's template cannot be requested by someone who cannot see it", async () => {
    await expectTrpcError(
      f.stranger.client.apiKeys.request.mutate({ templateId: f.privateTemplate.id }),
      "NOT_FOUND",
    );
    await expectTrpcError(
      f.anon.apiKeys.request.mutate({ templateId: f.privateTemplate.id }),
      "UNAUTHORIZED",
    );
  });
});

describe("holder-only procedures", () => {
  test("only the holder reveals a token; even the owner gets NOT_FOUND", async () => {
    await expectTrpcError(f.owner.client.apiKeys.reveal.mutate({ keyId: f.keyId }), "NOT_FOUND");
    await expectTrpcError(f.member.client.apiKeys.reveal.mutate({ keyId: f.keyId }), "NOT_FOUND");
  });

  test("only the requester withdraws a request", async () => {
    await expectTrpcError(f.owner.client.apiKeys.withdraw.mutate({ requestId: f.pending.id }), "NOT_FOUND");
    await expectTrpcError(f.holder.client.apiKeys.withdraw.mutate({ requestId: f.pending.id }), "NOT_FOUND");
  });

  test("the withdrawn e-mail goes to managers only; the open Requests view needs project_manage", async () => {
    const req = await f.member.client.apiKeys.request.mutate({ templateId: f.template.id });
    await f.member.client.apiKeys.withdraw.mutate({ requestId: req.id });
    const told = (await queuedEmails(h)).filter(
      (m) => m.template === "key_request_withdrawn" && m.data.projectId === f.project.id,
    );
    expect(told.map((m) => m.to)).toEqual([f.owner.email]);
    const open = { projectId: f.project.id, status: "pending" as const, withdrawnSince: new Date(0) };
    await expectTrpcError(f.member.client.apiKeys.listRequests.query(open), "FORBIDDEN");
    await expectTrpcError(f.anon.apiKeys.listRequests.query(open), "UNAUTHORIZED");
    await expectTrpcError(
      f.stranger.client.apiKeys.listRequests.query({ ...open, projectId: f.privateTemplate.projectId }),
      "NOT_FOUND",
    );
  });

  test("reveal answers carry Cache-Control: no-store", async () => {
    const res = await h.app.request("/trpc/apiKeys.reveal", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        origin: "http://localhost:3000",
        cookie: h.cookieHeader(f.holder.client),
      },
      body: JSON.stringify({ json: { keyId: f.keyId } }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  test("mine() never contains a token", async () => {
    const mine = await f.holder.client.apiKeys.mine.query();
    expect(JSON.stringify(mine)).not.toContain(f.token);
  });
});

describe("suspend and resume are a project manager's", () => {
  test("the holder, a member without project_manage, a stranger and a visitor are refused; nothing changes", async () => {
    const k = await projectWithKey(h);
    const member = await h.user("Member");
    const viewer = await k.owner.client.roles.create.mutate({
      projectId: k.project.id,
      name: "Viewer",
      permissions: { project: ["project_view", "project_edit"], nodes: {} },
    });
    await k.owner.client.members.add.mutate({
      projectId: k.project.id,
      email: member.email,
      roleIds: [viewer.id],
    });
    const stranger = await h.user("Stranger");
    const suspend = (c: typeof member.client) => c.apiKeys.suspend.mutate({ keyId: k.keyId, reason: "Mine" });
    const mails = (await queuedEmails(h)).length;

    // the holder of a public project's key is no member: the key's project is not theirs to manage
    await expectTrpcError(suspend(k.holder.client), "NOT_FOUND");
    await expectTrpcError(suspend(member.client), "FORBIDDEN");
    await expectTrpcError(suspend(stranger.client), "NOT_FOUND");
    await expectTrpcError(suspend(h.client()), "UNAUTHORIZED");
    expect((await k.holder.client.apiKeys.mine.query())[0]?.state).toBe("active");

    await k.owner.client.apiKeys.suspend.mutate({ keyId: k.keyId, reason: "Audit" });
    const resume = (c: typeof member.client) => c.apiKeys.resume.mutate({ keyId: k.keyId });
    await expectTrpcError(resume(k.holder.client), "NOT_FOUND");
    await expectTrpcError(resume(member.client), "FORBIDDEN");
    await expectTrpcError(resume(stranger.client), "NOT_FOUND");
    await expectTrpcError(resume(h.client()), "UNAUTHORIZED");
    expect((await k.holder.client.apiKeys.mine.query())[0]?.state).toBe("suspended");
    // only the owner's one suspension was e-mailed
    expect((await queuedEmails(h)).length).toBe(mails + 1);
  });

  test("a holder who also manages the project may suspend their own key; a key is never suspended from tRPC with a key", async () => {
    const k = await projectWithKey(h);
    const res = await h.app.request("/trpc/apiKeys.suspend", {
      method: "POST",
      headers: { authorization: `Bearer ${k.token}`, "content-type": "application/json" },
      body: JSON.stringify({ json: { keyId: k.keyId, reason: "self" } }),
    });
    expect(res.status).toBe(401);
    expect((await k.holder.client.apiKeys.mine.query())[0]?.state).toBe("active");
    // the owner holding a key of their own project acts as its manager
    const request = await k.owner.client.apiKeys.request.mutate({ templateId: k.template.id });
    const { keyId } = await k.owner.client.apiKeys.approve.mutate({ requestId: request.id });
    await k.owner.client.apiKeys.suspend.mutate({ keyId, reason: "Testing" });
    expect((await k.owner.client.apiKeys.mine.query()).find((x) => x.id === keyId)?.state).toBe("suspended");
  });
});
