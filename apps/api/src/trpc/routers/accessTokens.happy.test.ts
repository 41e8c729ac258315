import { createHash } from "node:crypto";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createHarness, type Harness } from "../../../test/harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

test("a token is shown once, stored as SHA-256 only, and acts as its user on tRPC without an Origin", async () => {
  const { client, user } = await h.user("Tool Owner");
  const created = await client.auth.createAccessToken.mutate({ name: "  ci script  ", expiresInDays: 30 });
  expect(created.token).toMatch(/^kfp_[0-9A-Za-z]{46}$/);
  expect(created.expiresAt!.getTime() - Date.now()).toBeGreaterThan(29 * 86_400_000);

  const [listed] = await client.auth.listAccessTokens.query();
  expect(listed).toMatchObject({ id: created.id, name: "ci script", state: "active", lastUsedAt: null });
  expect(listed!.tokenStart).toBe(created.token.slice(0, 8));
  expect(JSON.stringify(listed)).not.toContain(created.token);

  const row = await h.db
    .selectFrom("access_tokens")
    .selectAll()
    .where("id", "=", created.id)
    .executeTakeFirstOrThrow();
  expect(row.token_hash.equals(createHash("sha256").update(created.token).digest())).toBe(true);
  expect(JSON.stringify(row)).not.toContain(created.token.slice(8));

  // a tool: Bearer header, no cookie, no Origin
  const tool = h.client({ bearer: created.token, origin: null });
  expect(await tool.auth.me.query()).toEqual({ id: user.id, email: user.email, name: user.name });
  const project = await tool.projects.create.mutate({ name: "Made by a tool" });
  expect((await client.projects.list.query()).map((p) => p.id)).toContain(project.id);

  const audit = await h.db
    .selectFrom("audit_log")
    .select(["project_id", "actor_id", "action", "target"])
    .where("action", "like", "access_token.%")
    .execute();
  expect(audit).toEqual([
    { project_id: null, actor_id: user.id, action: "access_token.create", target: String(created.id) },
  ]);
});

test("last used is recorded, at most once a minute", async () => {
  const { client } = await h.user("Busy");
  const { id, token } = await client.auth.createAccessToken.mutate({ name: "busy" });
  const tool = h.client({ bearer: token, origin: null });
  await tool.auth.me.query();
  const first = (await client.auth.listAccessTokens.query())[0]!.lastUsedAt;
  expect(first).toBeInstanceOf(Date);
  await tool.projects.list.query();
  expect((await client.auth.listAccessTokens.query())[0]!.lastUsedAt).toEqual(first);
  // a minute later, the next call writes again
  await h.db
    .updateTable("access_tokens")
    .set({ last_used_at: new Date(Date.now() - 61_000) })
    .where("id", "=", id)
    .execute();
  await tool.auth.me.query();
  const later = (await client.auth.listAccessTokens.query())[0]!.lastUsedAt!;
  expect(Date.now() - later.getTime()).toBeLessThan(10_000);
});

test("revoking refuses the token at once, and is audited", async () => {
  const { client, user } = await h.user("Revoker");
  const { id, token } = await client.auth.createAccessToken.mutate({ name: "old laptop" });
  const tool = h.client({ bearer: token, origin: null });
  await tool.auth.me.query();
  expect(await client.auth.revokeAccessToken.mutate({ id })).toEqual({ ok: true });
  await expect(tool.auth.me.query()).rejects.toThrow(/revoked/);
  const [listed] = await client.auth.listAccessTokens.query();
  expect(listed).toMatchObject({ id, state: "revoked" });
  expect(listed!.revokedAt).toBeInstanceOf(Date);
  const entry = await h.db
    .selectFrom("audit_log")
    .select(["project_id", "details"])
    .where("action", "=", "access_token.revoke")
    .where("actor_id", "=", user.id)
    .executeTakeFirstOrThrow();
  expect(entry).toEqual({ project_id: null, details: { name: "old laptop" } });
});
