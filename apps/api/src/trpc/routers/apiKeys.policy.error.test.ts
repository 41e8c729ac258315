import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  countRows,
  createHarness,
  expectTrpcError,
  type Harness,
  publicService,
} from "../../../test/harness";

// Approval policy (SPEC §12): bad input is BAD_REQUEST naming the field, and nothing is written.

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const DAY = 86_400_000;
const PURPOSE = { id: "purpose", text: "What will you use the key for?", required: true };

async function counts() {
  const n = async (table: "key_requests" | "api_keys") =>
    Number(
      (
        await h.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const { sql } = await import("@keyflow/db");
  const jobs = await sql<{ n: number }>`select count(*)::int as n from graphile_worker._private_jobs`.execute(
    h.db,
  );
  return {
    requests: await n("key_requests"),
    keys: await n("api_keys"),
    audit: await countRows(h, "audit_log"),
    jobs: jobs.rows[0]!.n,
  };
}

describe("updateTemplate: lifetimes and questions", () => {
  test("a default lifetime above the cap is refused naming both, from either side", async () => {
    const { owner, templates } = await publicService(h, ["T"]);
    const t = templates[0]!;
    await owner.client.apiKeys.updateTemplate.mutate({ templateId: t.id, maxTtlDays: 30 });
    const before = await counts();
    await expectTrpcError(
      owner.client.apiKeys.updateTemplate.mutate({ templateId: t.id, keyTtlDays: 31 }),
      "BAD_REQUEST",
      /^keyTtlDays: must be at most the maximum key lifetime \(30 days\)$/,
    );
    await expectTrpcError(
      owner.client.apiKeys.updateTemplate.mutate({ templateId: t.id, keyTtlDays: 90, maxTtlDays: 60 }),
      "BAD_REQUEST",
      /^keyTtlDays: must be at most the maximum key lifetime \(60 days\)$/,
    );
    await owner.client.apiKeys.updateTemplate.mutate({ templateId: t.id, keyTtlDays: 20 });
    await expectTrpcError(
      owner.client.apiKeys.updateTemplate.mutate({ templateId: t.id, maxTtlDays: 10 }),
      "BAD_REQUEST",
      /^maxTtlDays: must be at least the key lifetime \(20 days\)$/,
    );
    const after = await counts();
    expect(after.audit).toBe(before.audit + 1); // only the accepted keyTtlDays: 20
    const [listed] = await owner.client.apiKeys.listTemplates.query({ projectId: t.projectId });
    expect(listed).toMatchObject({ keyTtlDays: 20, maxTtlDays: 30 });
  });

  test("questions: at most 5, distinct ids, identifier ids, a text; approval manual or auto", async () => {
    const { owner, templates } = await publicService(h, ["Q"]);
    const t = templates[0]!;
    const q = (i: number) => ({ id: `q${i}`, text: `Question ${i}?`, required: false });
    const before = await counts();
    const refused: [Parameters<typeof owner.client.apiKeys.updateTemplate.mutate>[0], RegExp][] = [
      [{ templateId: t.id, requestQuestions: [1, 2, 3, 4, 5, 6].map(q) }, /^requestQuestions: .*at most 5/],
      [{ templateId: t.id, requestQuestions: [q(1), q(1)] }, /^requestQuestions: must have distinct ids/],
      [
        { templateId: t.id, requestQuestions: [{ ...q(1), id: "has space" }] },
        /^requestQuestions\.0\.id: may contain only/,
      ],
      [
        { templateId: t.id, requestQuestions: [{ ...q(1), text: "  " }] },
        /^requestQuestions\.0\.text: is required/,
      ],
      [{ templateId: t.id, approval: "sometimes" as "auto" }, /^approval: /],
      [{ templateId: t.id, maxTtlDays: 0 }, /^maxTtlDays: /],
    ];
    for (const [input, message] of refused)
      await expectTrpcError(owner.client.apiKeys.updateTemplate.mutate(input), "BAD_REQUEST", message);
    expect(await counts()).toEqual(before);
    const [listed] = await owner.client.apiKeys.listTemplates.query({ projectId: t.projectId });
    expect(listed).toMatchObject({ approval: "manual", maxTtlDays: null, requestQuestions: [] });
  });
});

describe("request: answers", () => {
  test("missing, blank, unknown or too long answers are refused naming the question; nothing written", async () => {
    const { owner, templates } = await publicService(h, ["Manual", "Auto"]);
    const [manual, auto] = templates;
    const questions = [PURPOSE, { id: "team", text: "Which team?", required: false }];
    await owner.client.apiKeys.updateTemplate.mutate({ templateId: manual!.id, requestQuestions: questions });
    await owner.client.apiKeys.updateTemplate.mutate({
      templateId: auto!.id,
      requestQuestions: questions,
      approval: "auto",
    });
    const r = await h.user("Requester");
    const before = await counts();
    for (const templateId of [manual!.id, auto!.id]) {
      const ask = (answers?: Record<string, string>) =>
        r.client.apiKeys.request.mutate({ templateId, ...(answers && { answers }) });
      const required = /^answers\.purpose: an answer to "What will you use the key for\?" is required$/;
      await expectTrpcError(ask(), "BAD_REQUEST", required);
      await expectTrpcError(ask({ team: "Ops" }), "BAD_REQUEST", required);
      await expectTrpcError(ask({ purpose: " \n " }), "BAD_REQUEST", required);
      await expectTrpcError(
        ask({ purpose: "ok", nope: "x" }),
        "BAD_REQUEST",
        /^answers\.nope: is not a question of this template$/,
      );
      await expectTrpcError(
        ask({ purpose: "x".repeat(1001) }),
        "BAD_REQUEST",
        /^answers\.purpose: must be at most 1000 characters$/,
      );
      await expectTrpcError(
        ask({ purpose: "ok", team: "y".repeat(1001) }),
        "BAD_REQUEST",
        /^answers\.team: must be at most 1000 characters$/,
      );
    }
    expect(await counts()).toEqual(before);
    // exactly 1000 characters is fine
    const ok = await r.client.apiKeys.request.mutate({
      templateId: manual!.id,
      answers: { purpose: "x".repeat(1000) },
    });
    expect(ok.status).toBe("pending");
  });
});

describe("approve: the expiry", () => {
  test("later than the cap is BAD_REQUEST naming it, in the past too; nothing written", async () => {
    const { owner, templates } = await publicService(h, ["Capped", "Open"]);
    const [capped, open] = templates;
    await owner.client.apiKeys.updateTemplate.mutate({ templateId: capped!.id, maxTtlDays: 30 });
    const r = await h.user("Requester");
    const req = await r.client.apiKeys.request.mutate({ templateId: capped!.id });
    const before = await counts();
    await expectTrpcError(
      owner.client.apiKeys.approve.mutate({ requestId: req.id, expiresAt: new Date(Date.now() + 31 * DAY) }),
      "BAD_REQUEST",
      /^expiresAt: must be on or before \d{1,2} \w+ \d{4}(,| at) \d\d:\d\d UTC: the template caps keys at 30 days$/,
    );
    await expectTrpcError(
      owner.client.apiKeys.approve.mutate({ requestId: req.id, expiresAt: new Date(Date.now() - 60_000) }),
      "BAD_REQUEST",
      /^expiresAt: must be in the future$/,
    );
    expect(await counts()).toEqual(before);
    const row = await h.db
      .selectFrom("key_requests")
      .select(["status", "decided_by", "expires_at"])
      .where("id", "=", req.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ status: "pending", decided_by: null, expires_at: null });

    // without a cap any future expiry is accepted (even beyond the default lifetime)
    const other = await r.client.apiKeys.request.mutate({ templateId: open!.id });
    const far = new Date(Date.now() + 400 * DAY);
    const done = await owner.client.apiKeys.approve.mutate({ requestId: other.id, expiresAt: far });
    expect(done.expiresAt?.getTime()).toBe(far.getTime());
    // and the capped request still approves within the cap
    const within = await owner.client.apiKeys.approve.mutate({
      requestId: req.id,
      expiresAt: new Date(Date.now() + 29 * DAY),
    });
    expect(within.keyId).toEqual(expect.any(Number));
  });

  test("expiresAt must be a Date", async () => {
    const { owner, templates } = await publicService(h, ["Typed"]);
    const r = await h.user("Requester");
    const req = await r.client.apiKeys.request.mutate({ templateId: templates[0]!.id });
    await expectTrpcError(
      owner.client.apiKeys.approve.mutate({ requestId: req.id, expiresAt: "tomorrow" as unknown as Date }),
      "BAD_REQUEST",
      /^expiresAt: must be a date/,
    );
  });
});
