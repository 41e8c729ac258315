import { afterAll, beforeAll, expect, test } from "vitest";
import {
  countRows,
  createHarness,
  expectTrpcError,
  type Harness,
  projectWithKey,
} from "../../../test/harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

test("bad quota settings are refused, naming the field, and change nothing", async () => {
  const k = await projectWithKey(h);
  const bad = [
    { quota: { requests: 0, period: "day" } },
    { quota: { requests: 10, period: "week" } },
    { quota: { requests: 1.5, period: "day" } },
    { rateLimitMode: "queue" },
  ];
  for (const input of bad)
    await expectTrpcError(
      k.owner.client.apiKeys.updateTemplate.mutate({ templateId: k.template.id, ...(input as object) }),
      "BAD_REQUEST",
      /quota|rateLimitMode/,
    );
  const [t] = await k.owner.client.apiKeys.listTemplates.query({ projectId: k.project.id });
  expect(t).toMatchObject({ quota: null, rateLimitMode: "reject" });
});

test("a top-up needs a template with a quota, a positive whole number and a live key", async () => {
  const k = await projectWithKey(h);
  const audits = await countRows(h, "audit_log");
  await expectTrpcError(
    k.owner.client.apiKeys.grantQuota.mutate({ keyId: k.keyId, requests: 10 }),
    "BAD_REQUEST",
    /without a quota/,
  );
  await k.owner.client.apiKeys.updateTemplate.mutate({
    templateId: k.template.id,
    quota: { requests: 5, period: "total" },
  });
  for (const requests of [0, -3, 2.5])
    await expectTrpcError(
      k.owner.client.apiKeys.grantQuota.mutate({ keyId: k.keyId, requests }),
      "BAD_REQUEST",
      /requests/,
    );
  await k.owner.client.apiKeys.revoke.mutate({ keyId: k.keyId });
  await expectTrpcError(
    k.owner.client.apiKeys.grantQuota.mutate({ keyId: k.keyId, requests: 10 }),
    "CONFLICT",
    /The key is revoked/,
  );
  const rows = await h.db.selectFrom("quota_usage").selectAll().where("key_id", "=", k.keyId).execute();
  expect(rows).toEqual([]);
  // the template change and the revocation are audited; no top-up was
  expect(await countRows(h, "audit_log")).toBe(audits + 2);
});
