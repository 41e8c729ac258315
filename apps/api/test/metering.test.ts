import { metering } from "@keyflow/core";
import { waitFor } from "@keyflow/testing";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createHarness, type Harness, projectWithKey } from "./harness";
import { rest } from "./rest";

// Quotas and wait mode on the data plane (SPEC §13), through the real Hono app.
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

test("a quota serves exactly its requests with X-Quota headers, answers ≥ 400 spend none, then 429 naming the renewal", async () => {
  const k = await projectWithKey(h, { templateName: "Metered" });
  await k.owner.client.apiKeys.updateTemplate.mutate({
    templateId: k.template.id,
    quota: { requests: 3, period: "month" },
  });
  const api = rest(h, { bearer: k.token });
  const path = `/api/projects/${k.project.id}/data_layers/last`;
  const first = await api.get(path);
  expect(first.status).toBe(200);
  expect(first.headers.get("x-quota-limit")).toBe("3");
  const now = new Date();
  const renewal = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  expect(first.headers.get("x-quota-reset")).toBe(String(renewal.getTime() / 1000));
  // a refused call (unknown node: 404) spends nothing
  expect((await api.get(`/api/projects/${k.project.id}/nodes/999999/packages/1`)).status).toBe(404);
  const remaining = [first.headers.get("x-quota-remaining")];
  for (let i = 0; i < 2; i++) {
    const res = await api.get(path);
    expect(res.status).toBe(200);
    remaining.push(res.headers.get("x-quota-remaining"));
  }
  expect(remaining).toEqual(["2", "1", "0"]);
  const refused = await api.get(path);
  expect(refused.status).toBe(429);
  expect(refused.body).toEqual({
    detail: `Quota of 3 requests per month used up; renews at ${renewal.toISOString()}`,
  });
  expect(refused.headers.get("x-quota-remaining")).toBe("0");

  // a top-up is served within the process's re-check (≤ 1 s)
  await k.owner.client.apiKeys.grantQuota.mutate({ keyId: k.keyId, requests: 2 });
  const served = await waitFor("the top-up to be served", async () => {
    const res = await api.get(path);
    return res.status === 200 ? res : undefined;
  });
  expect(served.headers.get("x-quota-limit")).toBe("5");
});

/**
 * Fills the key's sliding minute: the previous minute full, and this one holding what the previous
 * one's weight leaves (the next unit frees within about a second) or, `full`, the whole limit (none
 * frees this minute). Waits out the last seconds of a minute first, so the windows cannot turn
 * while the test runs.
 */
async function fill(keyId: number, limit: number, full: boolean) {
  await waitFor(
    "a minute with time left",
    () => Date.now() % metering.RATE_WINDOW_MS < metering.RATE_WINDOW_MS - 8_000,
    {
      timeoutMs: 10_000,
      intervalMs: 200,
    },
  );
  const now = Date.now();
  const start = Math.floor(now / metering.RATE_WINDOW_MS) * metering.RATE_WINDOW_MS;
  const weight = 1 - (now - start) / metering.RATE_WINDOW_MS;
  await h.db
    .insertInto("rate_windows")
    .values([
      { key_id: keyId, window_start: new Date(start - metering.RATE_WINDOW_MS), used: limit, last_grant: 0 },
      {
        key_id: keyId,
        window_start: new Date(start),
        used: full ? limit : limit - Math.floor(limit * weight),
        last_grant: 0,
      },
    ])
    .execute();
}

test("wait mode holds a request over the rate limit until it fits; reject mode answers 429 at once", async () => {
  const waiting = await projectWithKey(h, { templateName: "Patient" });
  await waiting.owner.client.apiKeys.updateTemplate.mutate({
    templateId: waiting.template.id,
    rateLimitPerMinute: 60,
    rateLimitMode: "wait",
  });
  const rejecting = await projectWithKey(h, { templateName: "Strict" });
  await rejecting.owner.client.apiKeys.updateTemplate.mutate({
    templateId: rejecting.template.id,
    rateLimitPerMinute: 60,
  });
  await fill(waiting.keyId, 60, false);
  await fill(rejecting.keyId, 60, true);

  const held = await rest(h, { bearer: waiting.token }).get(
    `/api/projects/${waiting.project.id}/data_layers/last`,
  );
  expect(held.status).toBe(200);
  const refused = await rest(h, { bearer: rejecting.token }).get(
    `/api/projects/${rejecting.project.id}/data_layers/last`,
  );
  expect(refused.status).toBe(429);
  expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
  expect(refused.body.detail).toBe("Rate limit of 60 requests per minute exceeded");
}, 30_000);
