import { afterAll, beforeAll, expect, test } from "vitest";
import { createHarness, type Harness, projectWithKey, queuedEmails } from "../../../test/harness";

// Quotas and wait mode as template settings, and the owner's top-up (SPEC §13).
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

test("a template's quota and rate-limit mode are set with updateTemplate and listed", async () => {
  const k = await projectWithKey(h);
  const updated = await k.owner.client.apiKeys.updateTemplate.mutate({
    templateId: k.template.id,
    quota: { requests: 1000, period: "month" },
    rateLimitMode: "wait",
  });
  expect(updated).toMatchObject({ quota: { requests: 1000, period: "month" }, rateLimitMode: "wait" });
  const [listed] = await k.owner.client.apiKeys.listTemplates.query({ projectId: k.project.id });
  expect(listed).toMatchObject({ quota: { requests: 1000, period: "month" }, rateLimitMode: "wait" });
  // the Issued keys rows carry their template's quota (the top-up action needs it)
  const period = { from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 60_000) };
  const issued = await k.owner.client.apiKeys.issued.query({ projectId: k.project.id, ...period });
  expect(issued.rows).toEqual([
    expect.objectContaining({ keyId: k.keyId, quota: { requests: 1000, period: "month" } }),
  ]);
  // null removes the quota
  const cleared = await k.owner.client.apiKeys.updateTemplate.mutate({
    templateId: k.template.id,
    quota: null,
  });
  expect(cleared.quota).toBeNull();
  const after = await k.owner.client.apiKeys.issued.query({ projectId: k.project.id, ...period });
  expect(after.rows[0]?.quota).toBeNull();
});

test("an owner tops up a key: room for this period, audited, the holder e-mailed", async () => {
  const k = await projectWithKey(h);
  await k.owner.client.apiKeys.updateTemplate.mutate({
    templateId: k.template.id,
    quota: { requests: 10, period: "day" },
  });
  const granted = await k.owner.client.apiKeys.grantQuota.mutate({ keyId: k.keyId, requests: 50 });
  expect(granted).toMatchObject({ keyId: k.keyId, limit: 60, remaining: 60 });
  const again = await k.owner.client.apiKeys.grantQuota.mutate({ keyId: k.keyId, requests: 5 });
  expect(again.limit).toBe(65);
  const mails = (await queuedEmails(h)).filter(
    (m) => m.to === k.holder.email && m.template === "key_quota_granted",
  );
  expect(mails.map((m) => m.data.requests)).toEqual([50, 5]);
  const audit = await k.owner.client.audit.list.query({ projectId: k.project.id });
  expect(audit.items.filter((e) => e.action === "key.quota_grant")).toHaveLength(2);
});
