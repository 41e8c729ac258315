import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createHarness, expectTrpcError, type Harness, queuedEmails } from "../../../test/harness";

// Approval policy (SPEC §12): only managers set it; auto approval opens nothing a visitor could
// not already request; answers are read by managers only.

let h: Harness;
let f: Awaited<ReturnType<typeof setup>>;

const POLICY = {
  approval: "auto" as const,
  maxTtlDays: 1,
  requestQuestions: [{ id: "why", text: "Why?", required: true }],
};

/** A public service and a private project, each with a template; a member without project_manage. */
async function setup() {
  const owner = await h.user("Owner");
  const member = await h.user("Member");
  const stranger = await h.user("Stranger");
  const project = await owner.client.projects.create.mutate({ name: "Service", isPublic: true });
  const role = await owner.client.roles.create.mutate({
    projectId: project.id,
    name: "Client",
    permissions: { project: ["project_view"], nodes: {} },
  });
  const editor = await owner.client.roles.create.mutate({
    projectId: project.id,
    name: "Editor",
    permissions: { project: ["project_view", "project_edit", "graph_edit"], nodes: {} },
  });
  await owner.client.members.add.mutate({ projectId: project.id, email: member.email, roleIds: [editor.id] });
  const template = await owner.client.apiKeys.createTemplate.mutate({
    projectId: project.id,
    name: "Public API",
    roleId: role.id,
  });
  const hidden = await owner.client.projects.create.mutate({ name: "Private" });
  const hiddenRole = await owner.client.roles.create.mutate({
    projectId: hidden.id,
    name: "R",
    permissions: { project: ["project_view"], nodes: {} },
  });
  const hiddenTemplate = await owner.client.apiKeys.createTemplate.mutate({
    projectId: hidden.id,
    name: "Hidden API",
    roleId: hiddenRole.id,
  });
  await owner.client.apiKeys.updateTemplate.mutate({ templateId: hiddenTemplate.id, ...POLICY });
  return { owner, member, stranger, anon: h.client(), project, template, hidden, hiddenTemplate };
}

beforeAll(async () => {
  h = await createHarness();
  f = await setup();
});
afterAll(() => h.close());

const policyOf = async (templateId: number) =>
  h.db
    .selectFrom("api_key_templates")
    .select(["approval", "max_ttl_days", "request_questions"])
    .where("id", "=", templateId)
    .executeTakeFirstOrThrow();

describe("updateTemplate of the policy", () => {
  test("a member without project_manage is FORBIDDEN, an outsider NOT_FOUND, no session UNAUTHORIZED", async () => {
    const before = await policyOf(f.template.id);
    const set = (c: typeof f.anon, templateId: number) =>
      c.apiKeys.updateTemplate.mutate({ templateId, ...POLICY });
    await expectTrpcError(set(f.member.client, f.template.id), "FORBIDDEN");
    // the service is public, yet seeing its About page does not let anyone see its templates
    await expectTrpcError(set(f.stranger.client, f.template.id), "NOT_FOUND");
    await expectTrpcError(set(f.stranger.client, f.hiddenTemplate.id), "NOT_FOUND");
    await expectTrpcError(set(f.member.client, f.hiddenTemplate.id), "NOT_FOUND");
    await expectTrpcError(set(f.anon, f.template.id), "UNAUTHORIZED");
    await expectTrpcError(
      f.anon.apiKeys.updateTemplate.mutate({ templateId: f.template.id, approval: "auto" }),
      "UNAUTHORIZED",
    );
    expect(await policyOf(f.template.id)).toEqual(before);
    expect(before).toEqual({ approval: "manual", max_ttl_days: null, request_questions: [] });
  });
});

describe("auto approval", () => {
  test("a template the caller cannot see stays NOT_FOUND, auto or not; nothing is issued", async () => {
    const keys = () =>
      h.db.selectFrom("api_keys").select("id").where("template_id", "=", f.hiddenTemplate.id).execute();
    const ask = (c: typeof f.anon) =>
      c.apiKeys.request.mutate({ templateId: f.hiddenTemplate.id, answers: { why: "Because" } });
    await expectTrpcError(ask(f.stranger.client), "NOT_FOUND");
    await expectTrpcError(ask(f.anon), "UNAUTHORIZED");
    expect(await keys()).toEqual([]);
  });

  test("the managers' e-mail goes to project_manage holders only; the requester gets their own", async () => {
    await f.owner.client.apiKeys.updateTemplate.mutate({ templateId: f.template.id, ...POLICY });
    const r = await f.stranger.client.apiKeys.request.mutate({
      templateId: f.template.id,
      answers: { why: "Testing" },
    });
    expect(r.issued).toBe(true);
    const mails = (await queuedEmails(h)).filter(
      (m) => m.data.projectId === f.project.id && m.template.startsWith("key_"),
    );
    expect(mails.filter((m) => m.template === "key_auto_issued").map((m) => m.to)).toEqual([f.owner.email]);
    expect(mails.filter((m) => m.template === "key_approved").map((m) => m.to)).toEqual([f.stranger.email]);
    // a second REQUEST while the key is active is refused, not a second key
    await expectTrpcError(
      f.stranger.client.apiKeys.request.mutate({ templateId: f.template.id, answers: { why: "Again" } }),
      "CONFLICT",
      /already hold an active key/,
    );
  });
});

describe("answers and approving with an expiry", () => {
  test("only managers read the answers; approve with expiresAt needs project_manage", async () => {
    await f.owner.client.apiKeys.updateTemplate.mutate({
      templateId: f.template.id,
      approval: "manual",
      maxTtlDays: 30,
    });
    const req = await f.member.client.apiKeys.request.mutate({
      templateId: f.template.id,
      answers: { why: "Private reasons" },
    });
    const list = { projectId: f.project.id };
    await expectTrpcError(f.member.client.apiKeys.listRequests.query(list), "FORBIDDEN");
    await expectTrpcError(f.anon.apiKeys.listRequests.query(list), "UNAUTHORIZED");
    // a tile shows the questions, never anyone's answers
    const tiles = (await f.stranger.client.projects.about.query({ projectId: f.project.id })).keyTiles;
    expect(JSON.stringify(tiles)).not.toContain("Private reasons");

    const expiresAt = new Date(Date.now() + 86_400_000);
    await expectTrpcError(
      f.member.client.apiKeys.approve.mutate({ requestId: req.id, expiresAt }),
      "FORBIDDEN",
    );
    await expectTrpcError(
      f.stranger.client.apiKeys.approve.mutate({ requestId: req.id, expiresAt }),
      "NOT_FOUND",
    );
    await expectTrpcError(f.anon.apiKeys.approve.mutate({ requestId: req.id, expiresAt }), "UNAUTHORIZED");
    const row = await h.db
      .selectFrom("key_requests")
      .select(["status", "expires_at"])
      .where("id", "=", req.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ status: "pending", expires_at: null });
  });
});
