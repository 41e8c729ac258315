import { waitFor } from "@keyflow/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  createHarness,
  type Harness,
  projectWithKey,
  publicService,
  queuedEmails,
} from "../../../test/harness";
import { rest } from "../../../test/rest";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

describe("templates", () => {
  test("a new template suggests project / input / output fields, project prefilled, and warns while empty", async () => {
    const { client } = await h.user("Owner");
    const p = await client.projects.create.mutate({ name: "Service" });
    const role = await client.roles.create.mutate({
      projectId: p.id,
      name: "Keys",
      permissions: { project: ["project_view", "package_create"], nodes: {} },
    });
    const t = await client.apiKeys.createTemplate.mutate({
      projectId: p.id,
      name: "Doubler",
      roleId: role.id,
    });
    expect(t).toMatchObject({
      name: "Doubler",
      roleName: "Keys",
      pricePerRequest: "0.000000",
      rateLimitPerMinute: null,
    });
    expect(t.fields.map((f) => [f.name, f.value])).toEqual([
      ["project", String(p.id)],
      ["input", ""],
      ["output", ""],
    ]);
    expect(t.warnings.join("\n")).toMatch(/Field "input" is empty/);
  });

  test("editing a template: fields with insert node ID, price, limit, TTL", async () => {
    const { client } = await h.user("Editor");
    const p = await client.projects.create.mutate({ name: "Edit" });
    const role = await client.roles.create.mutate({
      projectId: p.id,
      name: "R",
      permissions: { project: ["project_view", "project_manage"], nodes: {} },
    });
    const node = await h.db
      .insertInto("nodes")
      .values({ project_id: p.id, name: "in", kind: "data", runtime: null, entry: null })
      .returning("id")
      .executeTakeFirstOrThrow();
    const t = await client.apiKeys.createTemplate.mutate({ projectId: p.id, name: "T", roleId: role.id });
    const input = t.fields.find((f) => f.name === "input")!;
    const afterNode = await client.apiKeys.updateField.mutate({ fieldId: input.id, nodeId: node.id });
    expect(afterNode.fields.find((f) => f.name === "input")).toMatchObject({
      value: String(node.id),
      nodeId: node.id,
    });
    const withExtra = await client.apiKeys.addField.mutate({
      templateId: t.id,
      name: "model_version",
      value: "3",
    });
    expect(withExtra.fields.map((f) => f.name)).toContain("model_version");
    const updated = await client.apiKeys.updateTemplate.mutate({
      templateId: t.id,
      description: "Doubles numbers",
      pricePerRequest: "0.25",
      rateLimitPerMinute: 60,
      keyTtlDays: 30,
    });
    expect(updated).toMatchObject({
      description: "Doubles numbers",
      pricePerRequest: "0.250000",
      rateLimitPerMinute: 60,
      keyTtlDays: 30,
    });
    // the role grants project_manage, which a key cannot use: the tile says so
    expect(updated.warnings.join("\n")).toMatch(/grants project_manage, which API keys cannot use/);
    const removed = await client.apiKeys.removeField.mutate({
      fieldId: withExtra.fields.find((f) => f.name === "model_version")!.id,
    });
    expect(removed.fields.map((f) => f.name)).toEqual(["project", "input", "output"]);

    // deleting the node leaves the reference flagged
    await h.db.deleteFrom("nodes").where("id", "=", node.id).execute();
    const [after] = await client.apiKeys.listTemplates.query({ projectId: p.id });
    expect(after?.fields.find((f) => f.name === "input")).toMatchObject({ nodeId: null, nodeDeleted: true });
  });
});

describe("the seed's flow: request, e-mails, approve, confirmed tile", () => {
  test("request e-mails every manager; approval issues a key, a personal layer and an e-mail", async () => {
    const owner = await h.user("Owner");
    const requester = await h.user("Requester");
    const p = await owner.client.projects.create.mutate({ name: "Forecasts", isPublic: true });
    const role = await owner.client.roles.create.mutate({
      projectId: p.id,
      name: "Client",
      permissions: { project: ["project_view"], nodes: {} },
    });
    const t = await owner.client.apiKeys.createTemplate.mutate({
      projectId: p.id,
      name: "Weather API",
      roleId: role.id,
    });

    const [tileBefore] = (await requester.client.projects.about.query({ projectId: p.id })).keyTiles;
    expect(tileBefore).toMatchObject({ name: "Weather API", roleName: "Client", state: "available" });

    const req = await requester.client.apiKeys.request.mutate({ templateId: t.id, message: "For my thesis" });
    // idempotent while pending
    expect((await requester.client.apiKeys.request.mutate({ templateId: t.id })).id).toBe(req.id);
    expect((await requester.client.projects.about.query({ projectId: p.id })).keyTiles[0]).toMatchObject({
      state: "waiting",
      requestId: req.id,
    });

    const toOwner = (await queuedEmails(h)).filter(
      (m) => m.template === "key_requested" && m.to === owner.email,
    );
    expect(toOwner).toHaveLength(1);
    expect(toOwner[0]?.data).toMatchObject({
      requesterEmail: requester.email,
      templateName: "Weather API",
      message: "For my thesis",
    });

    const pending = await owner.client.apiKeys.listRequests.query({ projectId: p.id, status: "pending" });
    expect(pending).toEqual([
      expect.objectContaining({
        id: req.id,
        templateName: "Weather API",
        message: "For my thesis",
        user: expect.objectContaining({ email: requester.email }),
      }),
    ]);

    const { keyId } = await owner.client.apiKeys.approve.mutate({ requestId: req.id });
    const toRequester = (await queuedEmails(h)).filter(
      (m) => m.template === "key_approved" && m.to === requester.email,
    );
    expect(toRequester).toHaveLength(1);

    const tile = (await requester.client.projects.about.query({ projectId: p.id })).keyTiles[0];
    expect(tile).toMatchObject({ state: "confirmed", key: { id: keyId, usage: { requests: 0, cost: "0" } } });
    expect(tile?.key?.fields.map((f) => f.name)).toEqual(["project", "input", "output"]);

    const mine = await requester.client.apiKeys.mine.query();
    expect(mine).toEqual([
      expect.objectContaining({ id: keyId, projectId: p.id, templateName: "Weather API", state: "active" }),
    ]);
    expect(JSON.stringify(mine)).not.toMatch(/kf_[0-9A-Za-z]{46}/);

    const { token } = await requester.client.apiKeys.reveal.mutate({ keyId });
    expect(token).toMatch(/^kf_[0-9A-Za-z]{46}$/);
    const layer = await h.db
      .selectFrom("data_layers as l")
      .innerJoin("api_keys as k", "k.data_layer_id", "l.id")
      .select(["l.kind", "l.owner_id", "l.name"])
      .where("k.id", "=", keyId)
      .executeTakeFirstOrThrow();
    expect(layer).toEqual({ kind: "personal", owner_id: requester.user.id, name: "Requester · Weather API" });

    const actions = (await owner.client.audit.list.query({ projectId: p.id })).items.map((a) => a.action);
    expect(actions).toEqual(
      expect.arrayContaining(["template.create", "key.request", "key.approve", "key.issue", "key.reveal"]),
    );
  });

  test("reject e-mails the reason; withdraw lets the user ask again at once", async () => {
    const { owner, project: p, templates } = await publicService(h, ["A", "B"]);
    const [a, b] = templates as [(typeof templates)[0], (typeof templates)[0]];
    const user = await h.user("Asker");

    const ra = await user.client.apiKeys.request.mutate({ templateId: a.id });
    await owner.client.apiKeys.reject.mutate({ requestId: ra.id, reason: "Not for students" });
    const mail = (await queuedEmails(h)).find((m) => m.template === "key_rejected" && m.to === user.email);
    expect(mail?.data).toMatchObject({ reason: "Not for students", templateName: "A" });
    expect((await user.client.projects.about.query({ projectId: p.id })).keyTiles[0]).toMatchObject({
      state: "rejected",
      reason: "Not for students",
    });

    const rb = await user.client.apiKeys.request.mutate({ templateId: b.id });
    await user.client.apiKeys.withdraw.mutate({ requestId: rb.id });
    const again = await user.client.apiKeys.request.mutate({ templateId: b.id });
    expect(again.id).not.toBe(rb.id);
  });

  test("withdrawing e-mails every manager; the open Requests view keeps showing it as withdrawn", async () => {
    const { owner, project: p, role, templates } = await publicService(h, ["W"]);
    const t = templates[0]!;
    const manager = await h.user("Manager");
    const managers = await owner.client.roles.create.mutate({
      projectId: p.id,
      name: "Managers",
      permissions: { project: ["project_view", "project_manage"], nodes: {} },
    });
    await owner.client.members.add.mutate({ projectId: p.id, email: manager.email, roleIds: [managers.id] });
    const client = await h.user("Client");
    await owner.client.members.add.mutate({ projectId: p.id, email: client.email, roleIds: [role.id] });
    const user = await h.user("Withdrawer");
    const before = new Date(Date.now() - 1000);
    const req = await user.client.apiKeys.request.mutate({ templateId: t.id, message: "maybe" });
    const done = await user.client.apiKeys.withdraw.mutate({ requestId: req.id });
    expect(done).toMatchObject({ id: req.id, status: "withdrawn", withdrawnAt: expect.any(Date) });

    const told = (await queuedEmails(h)).filter(
      (m) => m.template === "key_request_withdrawn" && m.data.projectId === p.id,
    );
    // one message per manager; not the requester, not a member without project_manage
    expect(told.map((m) => m.to).sort()).toEqual([manager.email, owner.email].sort());
    expect(told[0]?.data).toEqual({
      projectId: p.id,
      projectName: "Service",
      templateName: "W",
      requesterName: "Withdrawer",
      requesterEmail: user.email,
    });

    // pending only: gone; pending + withdrawn since: listed as withdrawn, with when
    expect(await owner.client.apiKeys.listRequests.query({ projectId: p.id, status: "pending" })).toEqual([]);
    const open = await owner.client.apiKeys.listRequests.query({
      projectId: p.id,
      status: "pending",
      withdrawnSince: before,
    });
    expect(open).toEqual([
      expect.objectContaining({ id: req.id, status: "withdrawn", decidedAt: expect.any(Date) }),
    ]);
    expect(
      await owner.client.apiKeys.listRequests.query({
        projectId: p.id,
        status: "pending",
        withdrawnSince: new Date(Date.now() + 60_000),
      }),
    ).toEqual([]);
    const audit = (await owner.client.audit.list.query({ projectId: p.id })).items.find(
      (a) => a.action === "key.withdraw",
    );
    expect(audit?.details).toMatchObject({ template: "W", notified: 2 });
  });

  test("a template counts its active keys and pending requests; a rejected tile says when to ask again", async () => {
    const { owner, project: p, templates } = await publicService(h, ["Counted"]);
    const t = templates[0]!;
    expect(t).toMatchObject({ activeKeys: 0, pendingRequests: 0 });
    const holder = await h.user("Holder");
    const waiter = await h.user("Waiter");
    const rejected = await h.user("Rejected");
    await owner.client.apiKeys.approve.mutate({
      requestId: (await holder.client.apiKeys.request.mutate({ templateId: t.id })).id,
    });
    await waiter.client.apiKeys.request.mutate({ templateId: t.id });
    const r = await rejected.client.apiKeys.request.mutate({ templateId: t.id });
    await owner.client.apiKeys.reject.mutate({ requestId: r.id });
    const [listed] = await owner.client.apiKeys.listTemplates.query({ projectId: p.id });
    expect(listed).toMatchObject({ activeKeys: 1, pendingRequests: 1 });

    const [tile] = (await rejected.client.projects.about.query({ projectId: p.id })).keyTiles;
    expect(tile?.state).toBe("rejected");
    const wait = tile!.retryAt!.getTime() - tile!.decidedAt!.getTime();
    expect(wait).toBe(24 * 3600_000);
  });

  test("revoked by the holder, the key can be requested again and re-approval reuses the personal layer", async () => {
    const { owner, project: p, templates } = await publicService(h, ["T"]);
    const t = templates[0]!;
    const user = await h.user("Again");
    const first = await owner.client.apiKeys.approve.mutate({
      requestId: (await user.client.apiKeys.request.mutate({ templateId: t.id })).id,
    });
    await user.client.apiKeys.revoke.mutate({ keyId: first.keyId });
    expect((await user.client.projects.about.query({ projectId: p.id })).keyTiles[0]?.state).toBe("revoked");
    const second = await owner.client.apiKeys.approve.mutate({
      requestId: (await user.client.apiKeys.request.mutate({ templateId: t.id })).id,
    });
    const layers = await h.db
      .selectFrom("api_keys")
      .select("data_layer_id")
      .where("id", "in", [first.keyId, second.keyId])
      .execute();
    expect(new Set(layers.map((l) => l.data_layer_id)).size).toBe(1);
  });

  test("deleting a template cancels pending requests and revokes its keys, with e-mails, and frees the name", async () => {
    const owner = await h.user("Owner");
    const holder = await h.user("Holder");
    const waiter = await h.user("Waiter");
    const p = await owner.client.projects.create.mutate({ name: "Deleting", isPublic: true });
    const role = await owner.client.roles.create.mutate({
      projectId: p.id,
      name: "C",
      permissions: { project: ["project_view"], nodes: {} },
    });
    const t = await owner.client.apiKeys.createTemplate.mutate({
      projectId: p.id,
      name: "Old",
      roleId: role.id,
    });
    const { keyId } = await owner.client.apiKeys.approve.mutate({
      requestId: (await holder.client.apiKeys.request.mutate({ templateId: t.id })).id,
    });
    await waiter.client.apiKeys.request.mutate({ templateId: t.id });

    expect(await owner.client.apiKeys.deleteTemplate.mutate({ templateId: t.id })).toEqual({
      id: t.id,
      revokedKeys: 1,
      cancelledRequests: 1,
    });
    expect((await holder.client.apiKeys.mine.query()).find((k) => k.id === keyId)?.state).toBe("revoked");
    const mails = await queuedEmails(h);
    expect(mails.some((m) => m.template === "key_revoked" && m.to === holder.email)).toBe(true);
    expect(mails.some((m) => m.template === "key_request_cancelled" && m.to === waiter.email)).toBe(true);
    expect(
      (await owner.client.apiKeys.listRequests.query({ projectId: p.id, status: "cancelled" })).length,
    ).toBe(1);
    // revoked keys stay in the issued table for their statistics
    const issued = await owner.client.apiKeys.issued.query({
      projectId: p.id,
      from: new Date(Date.now() - 86_400_000),
      to: new Date(Date.now() + 60_000),
    });
    expect(issued.rows).toEqual([expect.objectContaining({ keyId, state: "revoked" })]);
    await owner.client.apiKeys.createTemplate.mutate({ projectId: p.id, name: "Old", roleId: role.id });
  });
});

describe("suspend and resume", () => {
  test("a suspended key gets 403 with the reason; statistics, layer and secrets stay; resume restores it", async () => {
    const k = await projectWithKey(h);
    const mine = await k.holder.client.projects.create.mutate({ name: "Consumer" });
    await k.holder.client.secrets.importApiKey.mutate({ projectId: mine.id, keyId: k.keyId, prefix: "svc" });
    const call = () => rest(h, { bearer: k.token }).get(`/api/projects/${k.project.id}/data_layers`);
    expect((await call()).status).toBe(200);
    const layerBefore = (await k.holder.client.apiKeys.mine.query())[0]!.dataLayerId;

    const reason = "Unpaid invoice for November";
    const suspended = await k.owner.client.apiKeys.suspend.mutate({ keyId: k.keyId, reason: `  ${reason} ` });
    expect(suspended).toMatchObject({ id: k.keyId, state: "suspended", reason });
    // at once on this process (and within a second on others: apps/api/test/suspension.test.ts)
    const refused = await call();
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ detail: `API key suspended: ${reason}` });

    // shown everywhere with the reason; nothing of the key is lost
    const [held] = await k.holder.client.apiKeys.mine.query();
    expect(held).toMatchObject({
      id: k.keyId,
      state: "suspended",
      suspendReason: reason,
      dataLayerId: layerBefore,
    });
    const about = await k.holder.client.projects.about.query({ projectId: k.project.id });
    expect(about.keyTiles[0]).toMatchObject({
      state: "suspended",
      suspendReason: reason,
      key: { id: k.keyId },
    });
    const period = { from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 60_000) };
    const issued = await k.owner.client.apiKeys.issued.query({ projectId: k.project.id, ...period });
    expect(issued.rows).toEqual([
      expect.objectContaining({ keyId: k.keyId, state: "suspended", suspendReason: reason }),
    ]);
    const secrets = await k.holder.client.secrets.list.query({ projectId: mine.id });
    expect(secrets.length).toBeGreaterThan(1);
    for (const s of secrets) expect(s.sourceKeyState).toBe("suspended");
    // the holder may still copy the token (it works again on resume), and cannot request a second key
    expect((await k.holder.client.apiKeys.reveal.mutate({ keyId: k.keyId })).token).toBe(k.token);
    await expect(k.holder.client.apiKeys.request.mutate({ templateId: k.template.id })).rejects.toThrow(
      /suspended; the project's owner can resume it/,
    );

    // the refused call is a usage event of the key, outcome denied
    await waitFor("the 403 recorded", async () =>
      h.db
        .selectFrom("usage_events")
        .select("outcome")
        .where("key_id", "=", k.keyId)
        .where("status", "=", 403)
        .executeTakeFirst(),
    ).then((e) => expect(e.outcome).toBe("denied"));

    expect(await k.owner.client.apiKeys.resume.mutate({ keyId: k.keyId })).toEqual({
      id: k.keyId,
      state: "active",
    });
    expect((await call()).status).toBe(200);
    const [again] = await k.holder.client.apiKeys.mine.query();
    expect(again).toMatchObject({ state: "active", suspendReason: null, dataLayerId: layerBefore });
    for (const s of await k.holder.client.secrets.list.query({ projectId: mine.id }))
      expect(s.sourceKeyState).toBe("active");
    // statistics continue on the same key: the call before, the refused one, and the one after
    await waitFor("all three calls recorded on the key", async () => {
      const rows = await h.db
        .selectFrom("usage_events")
        .select("status")
        .where("key_id", "=", k.keyId)
        .orderBy("at")
        .execute();
      return rows.map((r) => r.status).join() === "200,403,200" ? rows : null;
    });

    const audit = await h.db
      .selectFrom("audit_log")
      .select(["action", "details"])
      .where("project_id", "=", k.project.id)
      .where("action", "in", ["key.suspend", "key.resume"])
      .orderBy("id")
      .execute();
    expect(audit.map((a) => a.action)).toEqual(["key.suspend", "key.resume"]);
    expect(audit[0]!.details).toMatchObject({ keyId: k.keyId, reason });
    const mails = (await queuedEmails(h)).filter((m) => m.to === k.holder.email);
    expect(mails.find((m) => m.template === "key_suspended")?.data).toMatchObject({
      reason,
      templateName: "Doubler",
    });
    expect(mails.some((m) => m.template === "key_resumed")).toBe(true);
  });

  test("a suspended key can still be revoked, by its holder or the owner", async () => {
    const k = await projectWithKey(h);
    await k.owner.client.apiKeys.suspend.mutate({ keyId: k.keyId, reason: "Audit" });
    await k.holder.client.apiKeys.revoke.mutate({ keyId: k.keyId });
    expect((await k.holder.client.apiKeys.mine.query())[0]?.state).toBe("revoked");
    const res = await rest(h, { bearer: k.token }).get(`/api/projects/${k.project.id}/data_layers`);
    expect(res.status).toBe(401);
  });
});
