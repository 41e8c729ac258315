import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  countRows,
  createHarness,
  deleteDuring,
  expectTrpcError,
  type Harness,
  projectWithKey,
  publicService,
  queuedEmails,
} from "../../../test/harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

async function service() {
  const { owner, project: p, role } = await publicService(h);
  return { owner, p, role };
}

describe("templates", () => {
  test("the role rule: a role without project_view is refused with a message naming the template", async () => {
    const { owner, p } = await service();
    const blind = await owner.client.roles.create.mutate({
      projectId: p.id,
      name: "Blind",
      permissions: { project: ["package_create"], nodes: {} },
    });
    const before = await h.db
      .selectFrom("api_key_templates")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    await expectTrpcError(
      owner.client.apiKeys.createTemplate.mutate({ projectId: p.id, name: "Upload", roleId: blind.id }),
      "BAD_REQUEST",
      /template "Upload" must include project_view/,
    );
    const after = await h.db
      .selectFrom("api_key_templates")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);

    // allowed once the public role grants project_view ...
    const pub = await owner.client.roles.create.mutate({
      projectId: p.id,
      name: "Everyone",
      isPublic: true,
      permissions: { project: ["project_view"], nodes: {} },
    });
    const t = await owner.client.apiKeys.createTemplate.mutate({
      projectId: p.id,
      name: "Upload",
      roleId: blind.id,
    });
    // ... and then the public role may not lose it, nor be deleted, while the template relies on it
    await expectTrpcError(
      owner.client.roles.update.mutate({ roleId: pub.id, permissions: { project: [], nodes: {} } }),
      "BAD_REQUEST",
      /"Upload"/,
    );
    await expectTrpcError(owner.client.roles.delete.mutate({ roleId: pub.id }), "BAD_REQUEST", /"Upload"/);
    // a role used by a template cannot be deleted
    await expectTrpcError(
      owner.client.roles.delete.mutate({ roleId: blind.id }),
      "CONFLICT",
      /used by API key template "Upload"/,
    );
    expect((await owner.client.apiKeys.listTemplates.query({ projectId: p.id })).map((x) => x.id)).toEqual([
      t.id,
    ]);
  });

  test("bad names, duplicates, reserved and invalid fields, foreign roles and nodes", async () => {
    const { owner, p, role } = await service();
    const other = await owner.client.projects.create.mutate({ name: "Other" });
    const foreignRole = await owner.client.roles.create.mutate({
      projectId: other.id,
      name: "F",
      permissions: { project: ["project_view"], nodes: {} },
    });
    await expectTrpcError(
      owner.client.apiKeys.createTemplate.mutate({ projectId: p.id, name: " ", roleId: role.id }),
      "BAD_REQUEST",
      /^name:/,
    );
    await expectTrpcError(
      owner.client.apiKeys.createTemplate.mutate({ projectId: p.id, name: "T", roleId: foreignRole.id }),
      "BAD_REQUEST",
      /^roleId: no such role/,
    );
    const t = await owner.client.apiKeys.createTemplate.mutate({
      projectId: p.id,
      name: "T",
      roleId: role.id,
    });
    await expectTrpcError(
      owner.client.apiKeys.createTemplate.mutate({ projectId: p.id, name: "t", roleId: role.id }),
      "CONFLICT",
      /already exists/,
    );
    const fieldsBefore = await h.db
      .selectFrom("api_key_template_fields")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    await expectTrpcError(
      owner.client.apiKeys.addField.mutate({ templateId: t.id, name: "token" }),
      "BAD_REQUEST",
      /reserved/,
    );
    await expectTrpcError(
      owner.client.apiKeys.addField.mutate({ templateId: t.id, name: "bad-name" }),
      "BAD_REQUEST",
      /^name: may contain only/,
    );
    await expectTrpcError(
      owner.client.apiKeys.addField.mutate({ templateId: t.id, name: "input" }),
      "CONFLICT",
    );
    const foreignNode = await owner.client.graph.createNode.mutate({
      projectId: other.id,
      name: "n",
      kind: "data",
    });
    await expectTrpcError(
      owner.client.apiKeys.addField.mutate({ templateId: t.id, name: "n", nodeId: foreignNode.id }),
      "BAD_REQUEST",
      /^nodeId:/,
    );
    const fieldsAfter = await h.db
      .selectFrom("api_key_template_fields")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    expect(fieldsAfter.n).toBe(fieldsBefore.n);
    for (const price of ["-1", "abc", "1.1234567"]) {
      await expectTrpcError(
        owner.client.apiKeys.updateTemplate.mutate({ templateId: t.id, pricePerRequest: price }),
        "BAD_REQUEST",
        /^pricePerRequest:/,
      );
    }
    await expectTrpcError(
      owner.client.apiKeys.updateTemplate.mutate({ templateId: t.id, rateLimitPerMinute: 0 }),
      "BAD_REQUEST",
      /^rateLimitPerMinute:/,
    );
    expect((await owner.client.apiKeys.listTemplates.query({ projectId: p.id }))[0]?.pricePerRequest).toBe(
      "0.000000",
    );
  });

  test("a node deleted while a field is added from it: BAD_REQUEST naming nodeId, no field written", async () => {
    const { owner, p, role } = await service();
    const t = await owner.client.apiKeys.createTemplate.mutate({
      projectId: p.id,
      name: "Race",
      roleId: role.id,
    });
    const node = await owner.client.graph.createNode.mutate({
      projectId: p.id,
      name: "doomed",
      kind: "data",
    });
    await expectTrpcError(
      deleteDuring(h, { table: "nodes", id: node.id }, 'insert into "api_key_template_fields"', () =>
        owner.client.apiKeys.addField.mutate({ templateId: t.id, name: "target", nodeId: node.id }),
      ),
      "BAD_REQUEST",
      /^nodeId: no such node in this project/,
    );
    const fields = await h.db
      .selectFrom("api_key_template_fields")
      .select("name")
      .where("template_id", "=", t.id)
      .execute();
    expect(fields.map((f) => f.name)).not.toContain("target");
  });
});

describe("races", () => {
  test("a role deleted while a template is created with it: BAD_REQUEST naming roleId, no template", async () => {
    const { owner, p } = await service();
    const doomed = await owner.client.roles.create.mutate({
      projectId: p.id,
      name: "Doomed",
      permissions: { project: ["project_view"], nodes: {} },
    });
    await expectTrpcError(
      deleteDuring(h, { table: "roles", id: doomed.id }, 'insert into "api_key_templates"', () =>
        owner.client.apiKeys.createTemplate.mutate({ projectId: p.id, name: "Orphan", roleId: doomed.id }),
      ),
      "BAD_REQUEST",
      /^roleId: no such role in this project/,
    );
    const names = (await owner.client.apiKeys.listTemplates.query({ projectId: p.id })).map((t) => t.name);
    expect(names).not.toContain("Orphan");
  });
});

describe("requests", () => {
  test("a template deleted while a key is requested from it: NOT_FOUND, no request, no e-mail", async () => {
    const { owner, p, role } = await service();
    const user = await h.user("Late");
    const t = await owner.client.apiKeys.createTemplate.mutate({
      projectId: p.id,
      name: "Doomed",
      roleId: role.id,
    });
    const emailsBefore = (await queuedEmails(h)).length;
    await expectTrpcError(
      deleteDuring(h, { table: "api_key_templates", id: t.id }, 'select "t"."id"', () =>
        user.client.apiKeys.request.mutate({ templateId: t.id }),
      ),
      "NOT_FOUND",
      /^API key template not found/,
    );
    const requests = await h.db
      .selectFrom("key_requests")
      .select("id")
      .where("user_id", "=", user.user.id)
      .execute();
    expect(requests).toEqual([]);
    expect((await queuedEmails(h)).length).toBe(emailsBefore);
  });

  test("approving twice is CONFLICT naming who did it, with no second key or e-mail", async () => {
    const { owner, p, role } = await service();
    const user = await h.user("Twice");
    const t = await owner.client.apiKeys.createTemplate.mutate({
      projectId: p.id,
      name: "Once",
      roleId: role.id,
    });
    const req = await user.client.apiKeys.request.mutate({ templateId: t.id });
    const results = await Promise.allSettled([
      owner.client.apiKeys.approve.mutate({ requestId: req.id }),
      owner.client.apiKeys.approve.mutate({ requestId: req.id }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    await expectTrpcError(
      owner.client.apiKeys.approve.mutate({ requestId: req.id }),
      "CONFLICT",
      /already approved by Owner/,
    );
    await expectTrpcError(
      owner.client.apiKeys.reject.mutate({ requestId: req.id }),
      "CONFLICT",
      /already approved/,
    );
    await expectTrpcError(
      user.client.apiKeys.withdraw.mutate({ requestId: req.id }),
      "CONFLICT",
      /already approved/,
    );
    const keys = await h.db.selectFrom("api_keys").select("id").where("template_id", "=", t.id).execute();
    expect(keys).toHaveLength(1);
  });

  test("requesting while holding an active key is CONFLICT; after a rejection a cooldown applies", async () => {
    const k = await projectWithKey(h);
    await expectTrpcError(
      k.holder.client.apiKeys.request.mutate({ templateId: k.template.id }),
      "CONFLICT",
      /already hold an active key/,
    );
    const user = await h.user("Rejected");
    const req = await user.client.apiKeys.request.mutate({ templateId: k.template.id });
    await k.owner.client.apiKeys.reject.mutate({ requestId: req.id, reason: "no" });
    await expectTrpcError(
      user.client.apiKeys.request.mutate({ templateId: k.template.id }),
      "TOO_MANY_REQUESTS",
      /can ask again in 24 hours/,
    );
  });

  test("withdrawing twice is CONFLICT with no second e-mail; a bad withdrawnSince is refused", async () => {
    const { owner, p, role } = await service();
    const user = await h.user("Twice withdrawn");
    const t = await owner.client.apiKeys.createTemplate.mutate({
      projectId: p.id,
      name: "W",
      roleId: role.id,
    });
    const req = await user.client.apiKeys.request.mutate({ templateId: t.id });
    await user.client.apiKeys.withdraw.mutate({ requestId: req.id });
    const mails = (await queuedEmails(h)).length;
    const audit = await countRows(h, "audit_log");
    await expectTrpcError(
      user.client.apiKeys.withdraw.mutate({ requestId: req.id }),
      "CONFLICT",
      /already withdrawn/,
    );
    expect((await queuedEmails(h)).length).toBe(mails);
    expect(await countRows(h, "audit_log")).toBe(audit);
    await expectTrpcError(
      owner.client.apiKeys.listRequests.query({
        projectId: p.id,
        status: "pending",
        withdrawnSince: "last week" as unknown as Date,
      }),
      "BAD_REQUEST",
      /^withdrawnSince: must be a date/,
    );
    await expectTrpcError(
      owner.client.apiKeys.listRequests.query({
        projectId: p.id,
        status: "pending",
        withdrawnSince: new Date("1900-01-01T00:00:00Z"),
      }),
      "BAD_REQUEST",
      /^withdrawnSince: must be in 1970 or later/,
    );
  });

  test("at most 10 requests per user per project per day", async () => {
    const { owner, p, role } = await service();
    const user = await h.user("Flood");
    const templates = [];
    for (let i = 0; i < 11; i++)
      templates.push(
        await owner.client.apiKeys.createTemplate.mutate({ projectId: p.id, name: `T${i}`, roleId: role.id }),
      );
    for (const t of templates.slice(0, 10)) {
      const r = await user.client.apiKeys.request.mutate({ templateId: t.id });
      await user.client.apiKeys.withdraw.mutate({ requestId: r.id });
    }
    const before = await countRows(h, "audit_log");
    await expectTrpcError(
      user.client.apiKeys.request.mutate({ templateId: templates[10]!.id }),
      "TOO_MANY_REQUESTS",
      /At most 10 key requests/,
    );
    expect(await countRows(h, "audit_log")).toBe(before);
  });

  test("messages are capped at 1000 characters", async () => {
    const { owner, p, role } = await service();
    const user = await h.user("Long");
    const t = await owner.client.apiKeys.createTemplate.mutate({
      projectId: p.id,
      name: "L",
      roleId: role.id,
    });
    await expectTrpcError(
      user.client.apiKeys.request.mutate({ templateId: t.id, message: "x".repeat(1001) }),
      "BAD_REQUEST",
      /^message: must be at most 1000/,
    );
  });

  test("revoking twice is CONFLICT; a revoked key cannot be revealed", async () => {
    const k = await projectWithKey(h);
    await k.holder.client.apiKeys.revoke.mutate({ keyId: k.keyId });
    await expectTrpcError(
      k.owner.client.apiKeys.revoke.mutate({ keyId: k.keyId }),
      "CONFLICT",
      /already revoked/,
    );
    await expectTrpcError(k.holder.client.apiKeys.reveal.mutate({ keyId: k.keyId }), "CONFLICT", /revoked/);
  });
});

describe("usage queries", () => {
  test("periods must be ordered and bounded; page size 1..100; exactly one of keyId/projectId", async () => {
    const k = await projectWithKey(h);
    const now = new Date();
    const hourAgo = new Date(now.getTime() - 3_600_000);
    await expectTrpcError(
      k.owner.client.apiKeys.issued.query({ projectId: k.project.id, from: now, to: hourAgo }),
      "BAD_REQUEST",
      /^from: must be before to/,
    );
    await expectTrpcError(
      k.owner.client.apiKeys.issued.query({ projectId: k.project.id, from: hourAgo, to: now, pageSize: 101 }),
      "BAD_REQUEST",
      /^pageSize:/,
    );
    await expectTrpcError(
      k.owner.client.usage.series.query({ from: hourAgo, to: now, bucket: "hour" }),
      "BAD_REQUEST",
      /^keyId: give exactly one/,
    );
    await expectTrpcError(
      k.owner.client.usage.series.query({
        keyId: k.keyId,
        from: hourAgo,
        to: now,
        bucket: "day",
        timeZone: "Mars/Olympus",
      }),
      "BAD_REQUEST",
      /^timeZone:/,
    );
  });
});

describe("suspend and resume", () => {
  /** What a refused call must leave as it was: the key row, its audit entries and its e-mails. */
  async function snapshot(keyId: number) {
    const key = await h.db
      .selectFrom("api_keys")
      .select(["suspended_at", "suspend_reason", "revoked_at"])
      .where("id", "=", keyId)
      .executeTakeFirstOrThrow();
    const audit = await countRows(h, "audit_log");
    const mails = (await queuedEmails(h)).length;
    return { key, audit, mails };
  }

  test("a bad reason is BAD_REQUEST naming it, and nothing is written", async () => {
    const k = await projectWithKey(h);
    const before = await snapshot(k.keyId);
    const suspend = (reason: string) => k.owner.client.apiKeys.suspend.mutate({ keyId: k.keyId, reason });
    await expectTrpcError(suspend("   "), "BAD_REQUEST", /^reason: is required$/);
    await expectTrpcError(
      suspend("x".repeat(201)),
      "BAD_REQUEST",
      /^reason: must be at most 200 characters$/,
    );
    await expectTrpcError(suspend("a\u0000b"), "BAD_REQUEST", /^reason: must not contain NUL/);
    await expectTrpcError(
      // biome-ignore lint/suspicious/noExplicitAny: a client that skips the types
      (k.owner.client.apiKeys.suspend.mutate as any)({ keyId: k.keyId }),
      "BAD_REQUEST",
      /reason/,
    );
    expect(await snapshot(k.keyId)).toEqual(before);
  });

  test("invalid transitions are CONFLICT naming the state: resume of an active or revoked key, suspend twice", async () => {
    const k = await projectWithKey(h);
    await expectTrpcError(
      k.owner.client.apiKeys.resume.mutate({ keyId: k.keyId }),
      "CONFLICT",
      /^The key is already active$/,
    );
    await k.owner.client.apiKeys.suspend.mutate({ keyId: k.keyId, reason: "Audit" });
    const suspended = await snapshot(k.keyId);
    await expectTrpcError(
      k.owner.client.apiKeys.suspend.mutate({ keyId: k.keyId, reason: "Again" }),
      "CONFLICT",
      /^The key is already suspended$/,
    );
    expect(await snapshot(k.keyId)).toEqual(suspended);

    await k.owner.client.apiKeys.revoke.mutate({ keyId: k.keyId });
    const revoked = await snapshot(k.keyId);
    await expectTrpcError(
      k.owner.client.apiKeys.resume.mutate({ keyId: k.keyId }),
      "CONFLICT",
      /^The key is revoked; only a suspended key can be resumed$/,
    );
    await expectTrpcError(
      k.owner.client.apiKeys.suspend.mutate({ keyId: k.keyId, reason: "Late" }),
      "CONFLICT",
      /^The key is revoked; only an active key can be suspended$/,
    );
    expect(await snapshot(k.keyId)).toEqual(revoked);
  });

  test("an expired key cannot be suspended; a key that expired while suspended cannot be resumed", async () => {
    const k = await projectWithKey(h);
    await k.owner.client.apiKeys.suspend.mutate({ keyId: k.keyId, reason: "Audit" });
    await h.db
      .updateTable("api_keys")
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where("id", "=", k.keyId)
      .execute();
    await expectTrpcError(
      k.owner.client.apiKeys.resume.mutate({ keyId: k.keyId }),
      "CONFLICT",
      /^The key is expired; only a suspended key can be resumed$/,
    );
    await expectTrpcError(
      k.owner.client.apiKeys.suspend.mutate({ keyId: k.keyId, reason: "x" }),
      "CONFLICT",
      /^The key is expired; only an active key can be suspended$/,
    );
  });

  test("two owners suspending at once: one wins, the other is CONFLICT, one e-mail and one audit entry", async () => {
    const k = await projectWithKey(h);
    const before = await snapshot(k.keyId);
    const results = await Promise.allSettled(
      ["First", "Second"].map((reason) => k.owner.client.apiKeys.suspend.mutate({ keyId: k.keyId, reason })),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const lost = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(String(lost.reason.message)).toBe("The key is already suspended");
    const after = await snapshot(k.keyId);
    expect(after.audit).toBe(before.audit + 1);
    expect(after.mails).toBe(before.mails + 1);
  });

  test("an unknown key is NOT_FOUND", async () => {
    const { owner } = await service();
    await expectTrpcError(owner.client.apiKeys.resume.mutate({ keyId: 2_000_000_000 }), "NOT_FOUND");
    await expectTrpcError(
      owner.client.apiKeys.suspend.mutate({ keyId: 2_000_000_000, reason: "x" }),
      "NOT_FOUND",
    );
  });
});
