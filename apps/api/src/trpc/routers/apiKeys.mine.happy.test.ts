import { apiKeys, usage } from "@keyflow/core";
import { sql } from "@keyflow/db";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createHarness, type Harness } from "../../../test/harness";
import { keyAndConsumer } from "../../../test/secretFixtures";

// `apiKeys.mine` as the My keys page uses it (SPEC §12): every key the caller holds, with its
// state, expiry, last roll, usage this UTC month and where it is imported.

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const HOUR = 3_600_000;

async function usageEvent(keyId: number, at: Date, price: string, status = 200) {
  await usage.recordUsage(h.db, [
    {
      keyId,
      at,
      method: "GET",
      route: "/api/projects/{id}/data_layers",
      status,
      outcome: status < 400 ? "ok" : "client_error",
      durationMs: 3,
      price,
    },
  ]);
}

async function usageHour(keyId: number, hour: Date, requests: number, cost: string) {
  await h.db
    .insertInto("usage_hourly")
    .values({
      key_id: keyId,
      hour,
      requests,
      errors: 0,
      ok: requests,
      client_error: 0,
      server_error: 0,
      rate_limited: 0,
      denied: 0,
      cost,
      last_used_at: hour,
    })
    .execute();
}

describe("apiKeys.mine", () => {
  test("lists the caller's key with its state, expiry, usage this month and imports", async () => {
    const k = await keyAndConsumer(h);
    await k.owner.client.apiKeys.updateTemplate.mutate({
      templateId: k.template.id,
      pricePerRequest: "0.25",
    });
    await k.holder.client.secrets.importApiKey.mutate({
      projectId: k.consumer.id,
      keyId: k.keyId,
      prefix: "weather",
    });
    await k.holder.client.secrets.importApiKey.mutate({
      projectId: k.consumer.id,
      keyId: k.keyId,
      prefix: "backup",
    });
    const now = new Date();
    const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    // two calls this month (one refused, so free), one in the last second of the previous month
    await usageEvent(k.keyId, now, "0.25");
    await usageEvent(k.keyId, now, "0.25", 404);
    await usageEvent(k.keyId, new Date(monthStart.getTime() - 1000), "0.25");

    const [mine] = await k.holder.client.apiKeys.mine.query();
    expect(mine).toMatchObject({
      id: k.keyId,
      projectId: k.project.id,
      projectName: "Service",
      templateId: k.template.id,
      templateName: "Doubler",
      tokenStart: k.token.slice(0, mine!.tokenStart.length),
      state: "active",
      suspendReason: null,
      revokedAt: null,
      expiresAt: null,
      rolledAt: null,
      previousTokenUntil: null,
      usageThisMonth: { from: monthStart, requests: 2, errors: 1, cost: "0.25" },
      imports: [
        { projectId: k.consumer.id, projectName: "Consumer", prefix: "backup", canManage: true },
        { projectId: k.consumer.id, projectName: "Consumer", prefix: "weather", canManage: true },
      ],
    });
    // the Secrets "Add API key" menu still gets the fields
    expect(mine!.fields.map((f) => f.name)).toEqual(["project", "input", "output"]);
    expect(JSON.stringify(mine)).not.toContain(k.token);
  });

  test("says suspended (with the reason), revoked and expired, newest key first", async () => {
    const k = await keyAndConsumer(h);
    const second = await k.owner.client.apiKeys.createTemplate.mutate({
      projectId: k.project.id,
      name: "Second",
      roleId: k.role.id,
    });
    const third = await k.owner.client.apiKeys.createTemplate.mutate({
      projectId: k.project.id,
      name: "Third",
      roleId: k.role.id,
    });
    const issue = async (templateId: number) => {
      const r = await k.holder.client.apiKeys.request.mutate({ templateId });
      return (await k.owner.client.apiKeys.approve.mutate({ requestId: r.id })).keyId;
    };
    const revoked = await issue(second.id);
    const expired = await issue(third.id);
    await k.owner.client.apiKeys.suspend.mutate({ keyId: k.keyId, reason: "Unpaid invoice" });
    await k.holder.client.apiKeys.revoke.mutate({ keyId: revoked });
    const soon = new Date(Date.now() - 60_000);
    await h.db.updateTable("api_keys").set({ expires_at: soon }).where("id", "=", expired).execute();

    const mine = await k.holder.client.apiKeys.mine.query();
    expect(mine.map((m) => [m.id, m.templateName, m.state, m.suspendReason, m.revokeReason])).toEqual([
      [expired, "Third", "expired", null, null],
      [revoked, "Second", "revoked", null, "revoked by holder"],
      [k.keyId, "Doubler", "suspended", "Unpaid invoice", null],
    ]);
    expect(mine[0]!.expiresAt).toEqual(soon);
    expect(mine[1]!.revokedAt).toBeInstanceOf(Date);
    expect(mine[2]!.suspendedAt).toBeInstanceOf(Date);
  });

  test("shows when the key was rolled and until when its old token works", async () => {
    const k = await keyAndConsumer(h);
    const rolledAt = new Date(Date.now() - 5 * 60_000);
    const until = new Date(Date.now() + 55 * 60_000);
    await h.db
      .updateTable("api_keys")
      .set({ rolled_at: rolledAt, previous_token_until: until, previous_token_hash: Buffer.alloc(32) })
      .where("id", "=", k.keyId)
      .execute();
    const [mine] = await k.holder.client.apiKeys.mine.query();
    expect(mine).toMatchObject({ state: "active", rolledAt, previousTokenUntil: until });
  });

  test("an import into a project that was deleted is not listed", async () => {
    const k = await keyAndConsumer(h);
    await k.holder.client.secrets.importApiKey.mutate({
      projectId: k.consumer.id,
      keyId: k.keyId,
      prefix: "gone",
    });
    await k.holder.client.projects.delete.mutate({ projectId: k.consumer.id });
    const [mine] = await k.holder.client.apiKeys.mine.query();
    expect(mine!.imports).toEqual([]);
  });

  test("usage this month counts rolled-up hours and raw events of the month, nothing before it", async () => {
    const k = await keyAndConsumer(h);
    const real = new Date();
    // "now" is the 20th of the previous month, so every row below lies in the past
    const now = new Date(Date.UTC(real.getUTCFullYear(), real.getUTCMonth() - 1, 20, 12));
    const monthStart = new Date(Date.UTC(real.getUTCFullYear(), real.getUTCMonth() - 1, 1));
    await usageHour(k.keyId, new Date(monthStart.getTime() - HOUR), 100, "50"); // the month before
    await usageHour(k.keyId, monthStart, 3, "1.5");
    await usageHour(k.keyId, new Date(now.getTime() - 5 * HOUR), 2, "1");
    await usageEvent(k.keyId, new Date(now.getTime() + 10 * 60_000), "0.5"); // after "now"
    await usageEvent(k.keyId, real, "0.5"); // this (real) month: after "now" too
    // hours before the watermark (minus the re-roll hour) come from usage_hourly
    await sql`insert into settings (key, value) values ('usage_rolled_until', ${real.toISOString()})
      on conflict (key) do update set value = excluded.value`.execute(h.db);
    try {
      const [mine] = await apiKeys.myKeys(h.db, { kind: "user", userId: k.holder.user.id }, now);
      expect(mine!.usageThisMonth).toEqual({ from: monthStart, requests: 5, errors: 0, cost: "2.5" });
    } finally {
      await h.db.deleteFrom("settings").where("key", "=", "usage_rolled_until").execute();
    }
  });
});
