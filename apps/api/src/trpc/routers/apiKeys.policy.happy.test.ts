import { mail } from "@keyflow/core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createHarness, type Harness, publicService, queuedEmails } from "../../../test/harness";

// Approval policy per template (SPEC §12): auto approval, the lifetime cap, request questions.

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const DAY = 86_400_000;
const QUESTIONS = [
  { id: "purpose", text: "What will you use the key for?", required: true },
  { id: "volume", text: "How many calls a day?", required: false },
];

/** |a - b| within a minute: expiries are computed on the server's clock. */
const near = (a: Date | null | undefined, b: number) => {
  expect(a).toBeInstanceOf(Date);
  expect(Math.abs((a as Date).getTime() - b)).toBeLessThan(60_000);
};

describe("template policy", () => {
  test("updateTemplate sets approval, max lifetime and questions; listTemplates and the tiles return them", async () => {
    const { owner, project, templates } = await publicService(h, ["Forecast"]);
    const visitor = await h.user("Visitor");
    const before = (await owner.client.apiKeys.listTemplates.query({ projectId: project.id }))[0]!;
    expect(before).toMatchObject({ approval: "manual", maxTtlDays: null, requestQuestions: [] });

    const updated = await owner.client.apiKeys.updateTemplate.mutate({
      templateId: templates[0]!.id,
      approval: "auto",
      maxTtlDays: 30,
      keyTtlDays: 30,
      requestQuestions: QUESTIONS,
    });
    expect(updated).toMatchObject({
      approval: "auto",
      maxTtlDays: 30,
      keyTtlDays: 30,
      requestQuestions: QUESTIONS,
    });
    const [listed] = await owner.client.apiKeys.listTemplates.query({ projectId: project.id });
    expect(listed).toMatchObject({ approval: "auto", maxTtlDays: 30, requestQuestions: QUESTIONS });
    // the REQUEST dialog reads the questions from the About page's tiles
    const [tile] = (await visitor.client.projects.about.query({ projectId: project.id })).keyTiles;
    expect(tile).toMatchObject({ approval: "auto", requestQuestions: QUESTIONS, state: "available" });

    // back to manual, no cap, no questions
    const reset = await owner.client.apiKeys.updateTemplate.mutate({
      templateId: templates[0]!.id,
      approval: "manual",
      maxTtlDays: null,
      requestQuestions: [],
    });
    expect(reset).toMatchObject({ approval: "manual", maxTtlDays: null, requestQuestions: [] });
  });
});

describe("auto approval", () => {
  test("REQUEST issues the key at once: request approved by the system, key, audit, both e-mails", async () => {
    const { owner, project, templates } = await publicService(h, ["Instant"]);
    const template = templates[0]!;
    await owner.client.apiKeys.updateTemplate.mutate({
      templateId: template.id,
      approval: "auto",
      maxTtlDays: 30,
      requestQuestions: QUESTIONS,
    });
    const requester = await h.user("Rita");

    const result = await requester.client.apiKeys.request.mutate({
      templateId: template.id,
      message: "Thesis work",
      answers: { purpose: "  Weather maps for my thesis  ", volume: "" },
    });
    expect(result).toMatchObject({ status: "approved", issued: true, keyId: expect.any(Number) });

    // one request row, approved by nobody (the system), with the trimmed answer only
    const row = await h.db
      .selectFrom("key_requests")
      .selectAll()
      .where("id", "=", result.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: "approved", decided_by: null, message: "Thesis work" });
    expect(row.answers).toEqual({ purpose: "Weather maps for my thesis" });
    expect(row.decided_at).toBeInstanceOf(Date);

    // the key: keyTtlDays is unset, so the cap decides its lifetime
    const key = await h.db
      .selectFrom("api_keys")
      .selectAll()
      .where("id", "=", result.keyId!)
      .executeTakeFirstOrThrow();
    expect(key).toMatchObject({ request_id: result.id, user_id: requester.user.id, revoked_at: null });
    near(key.expires_at, Date.now() + 30 * DAY);
    const { token } = await requester.client.apiKeys.reveal.mutate({ keyId: key.id });
    expect(token).toMatch(/^kf_/);

    // the tile is confirmed at once
    const [tile] = (await requester.client.projects.about.query({ projectId: project.id })).keyTiles;
    expect(tile).toMatchObject({ state: "confirmed", key: { id: key.id } });

    // e-mails: "your key is ready" to the requester, "X received a key" to the owner, no request mail
    const mails = (await queuedEmails(h)).filter((m) => m.data.projectId === project.id);
    expect(mails.map((m) => [m.template, m.to])).toEqual([
      ["key_approved", requester.email],
      ["key_auto_issued", owner.email],
    ]);
    expect(mails[1]!.data).toMatchObject({
      templateName: "Instant",
      requesterName: "Rita",
      requesterEmail: requester.email,
    });
    const rendered = mail.renderEmail(
      "key_auto_issued",
      mails[1]!.data as mail.EmailTemplates["key_auto_issued"],
      h.config.appUrl,
    );
    expect(rendered.text).toMatch(/Rita \(.*\) received an API key "Instant"/);
    expect(rendered.text).toContain(`/projects/${project.id}/issued-keys`);

    // audit: requested by Rita; approved and issued by the system (no actor), marked auto
    const audit = await h.db
      .selectFrom("audit_log")
      .select(["action", "actor_id", "details"])
      .where("project_id", "=", project.id)
      .where("action", "in", ["key.request", "key.approve", "key.issue"])
      .orderBy("id")
      .execute();
    expect(audit.map((a) => [a.action, a.actor_id])).toEqual([
      ["key.request", requester.user.id],
      ["key.approve", null],
      ["key.issue", null],
    ]);
    expect(audit[1]!.details).toMatchObject({ auto: true, userId: requester.user.id });

    // the owner's Requests list shows it approved, with the answers and their questions
    const [listed] = await owner.client.apiKeys.listRequests.query({ projectId: project.id });
    expect(listed).toMatchObject({
      id: result.id,
      status: "approved",
      answers: { purpose: "Weather maps for my thesis" },
      questions: QUESTIONS,
    });
  });
});

describe("manual approval with answers and an expiry", () => {
  test("the owner's e-mail and Requests show the answers; approve sets an expiry within the cap", async () => {
    const { owner, project, templates } = await publicService(h, ["Archive"]);
    const template = templates[0]!;
    await owner.client.apiKeys.updateTemplate.mutate({
      templateId: template.id,
      keyTtlDays: 10,
      maxTtlDays: 30,
      requestQuestions: QUESTIONS,
    });
    const grace = await h.user("Grace");
    const req = await grace.client.apiKeys.request.mutate({
      templateId: template.id,
      answers: { purpose: "Crop models", volume: "About 200" },
    });
    expect(req).toMatchObject({ status: "pending", issued: false });
    expect(req.keyId).toBeUndefined();

    const [requested] = (await queuedEmails(h)).filter(
      (m) => m.template === "key_requested" && m.data.projectId === project.id,
    );
    expect(requested?.to).toBe(owner.email);
    expect(requested?.data.answers).toEqual([
      { question: QUESTIONS[0]!.text, answer: "Crop models" },
      { question: QUESTIONS[1]!.text, answer: "About 200" },
    ]);
    const text = mail.renderEmail(
      "key_requested",
      requested!.data as mail.EmailTemplates["key_requested"],
      h.config.appUrl,
    ).text;
    expect(text).toContain("What will you use the key for?\nCrop models");
    expect(text).toContain("How many calls a day?\nAbout 200");

    const [row] = await owner.client.apiKeys.listRequests.query({ projectId: project.id, status: "pending" });
    expect(row).toMatchObject({
      id: req.id,
      answers: { purpose: "Crop models", volume: "About 200" },
      questions: QUESTIONS,
      keyTtlDays: 10,
      maxTtlDays: 30,
    });

    // an expiry later than the default but within the cap is the owner's choice
    const chosen = new Date(Date.now() + 20 * DAY);
    const approved = await owner.client.apiKeys.approve.mutate({ requestId: req.id, expiresAt: chosen });
    expect(approved.expiresAt?.getTime()).toBe(chosen.getTime());
    const key = await h.db
      .selectFrom("api_keys")
      .select("expires_at")
      .where("id", "=", approved.keyId)
      .executeTakeFirstOrThrow();
    expect(key.expires_at?.getTime()).toBe(chosen.getTime());
    const decided = await h.db
      .selectFrom("key_requests")
      .select(["expires_at", "decided_by"])
      .where("id", "=", req.id)
      .executeTakeFirstOrThrow();
    expect(decided).toEqual({ expires_at: chosen, decided_by: owner.user.id });

    // without a choice: min(keyTtlDays, maxTtlDays) from now
    const ben = await h.user("Ben");
    const second = await ben.client.apiKeys.request.mutate({
      templateId: template.id,
      answers: { purpose: "Dashboards" },
    });
    const byDefault = await owner.client.apiKeys.approve.mutate({ requestId: second.id });
    near(byDefault.expiresAt, Date.now() + 10 * DAY);
  });

  test("a cap below the old default: keys without a chosen expiry get the cap; questions are optional", async () => {
    const { owner, templates } = await publicService(h, ["Capped"]);
    const template = templates[0]!;
    await owner.client.apiKeys.updateTemplate.mutate({ templateId: template.id, maxTtlDays: 7 });
    const u = await h.user("Una");
    // no questions: answers may be omitted (and the e-mail carries none)
    const req = await u.client.apiKeys.request.mutate({ templateId: template.id });
    const { expiresAt } = await owner.client.apiKeys.approve.mutate({ requestId: req.id });
    near(expiresAt, Date.now() + 7 * DAY);
  });
});
