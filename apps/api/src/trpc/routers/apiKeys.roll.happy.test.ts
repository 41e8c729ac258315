import { apiKeys, Keyring, secrets } from "@keyflow/core";
import { DEFAULT_HOLDER_ROLL_GRACE_MINUTES } from "@keyflow/schemas";
import { waitFor } from "@keyflow/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createHarness, type Harness, projectWithKey, queuedEmails } from "../../../test/harness";
import { rest } from "../../../test/rest";
import { keyAndConsumer } from "../../../test/secretFixtures";

let h: Harness;
let keyring: Keyring;
beforeAll(async () => {
  h = await createHarness();
  keyring = new Keyring(h.config.secret);
});
afterAll(() => h.close());

const ROLLED = { detail: "API key rolled: use the new token" };
const call = (k: { project: { id: number } }, token: string) =>
  rest(h, { bearer: token }).get(`/api/projects/${k.project.id}/data_layers`);

/** The plain values of every secret imported from the key's token, in every project. */
async function tokenSecrets(keyId: number) {
  const rows = await h.db
    .selectFrom("secrets")
    .select(["id", "project_id", "name", "value_encrypted"])
    .where("source_key_id", "=", keyId)
    .where("source_field", "=", "token")
    .orderBy("id")
    .execute();
  return rows.map((r) => ({
    projectId: r.project_id,
    name: r.name,
    value: keyring.decrypt("secret_value", r.value_encrypted, secrets.secretAad(r.id)),
  }));
}

describe("the holder rolls their key", () => {
  test("a new token for the same key: both work during the default grace; secrets, audit and e-mail follow", async () => {
    const k = await keyAndConsumer(h);
    // imported into two projects of the holder's: both get the new token
    await k.holder.client.secrets.importApiKey.mutate({
      projectId: k.consumer.id,
      keyId: k.keyId,
      prefix: "svc",
    });
    const other = await k.holder.client.projects.create.mutate({ name: "Other consumer" });
    await k.holder.client.secrets.importApiKey.mutate({
      projectId: other.id,
      keyId: k.keyId,
      prefix: "calc",
    });
    const [before] = await k.holder.client.apiKeys.mine.query();
    expect((await call(k, k.token)).status).toBe(200);

    const started = Date.now();
    const rolled = await k.holder.client.apiKeys.roll.mutate({ keyId: k.keyId });
    expect(rolled).toEqual({ id: k.keyId, oldTokenUntil: expect.any(Date), token: expect.any(String) });
    expect(rolled.token).not.toBe(k.token);
    expect(rolled.token).toMatch(/^kf_[0-9A-Za-z]{46}$/);
    const grace = rolled.oldTokenUntil!.getTime() - started;
    expect(grace).toBeGreaterThanOrEqual(DEFAULT_HOLDER_ROLL_GRACE_MINUTES * 60_000 - 1_000);
    expect(grace).toBeLessThanOrEqual(DEFAULT_HOLDER_ROLL_GRACE_MINUTES * 60_000 + 5_000);

    // the old token still works (its cached verification was dropped and re-read with the grace end)
    expect((await call(k, k.token)).status).toBe(200);
    expect((await call(k, rolled.token!)).status).toBe(200);
    // the same key: id, layer, template; the shown start and the revealed token are the new ones
    const [after] = await k.holder.client.apiKeys.mine.query();
    expect(after).toMatchObject({
      id: k.keyId,
      state: "active",
      dataLayerId: before!.dataLayerId,
      templateId: before!.templateId,
      tokenStart: rolled.token!.slice(0, before!.tokenStart.length),
    });
    expect((await k.holder.client.apiKeys.reveal.mutate({ keyId: k.keyId })).token).toBe(rolled.token);

    // every imported token secret holds the new token; the other fields are untouched
    expect(await tokenSecrets(k.keyId)).toEqual([
      { projectId: k.consumer.id, name: "svc_token", value: rolled.token },
      { projectId: other.id, name: "calc_token", value: rolled.token },
    ]);
    const listed = await k.holder.client.secrets.list.query({ projectId: k.consumer.id });
    expect(listed.find((s) => s.name === "svc_input")).toBeDefined();

    // audited in the key's project and in each importing project
    const audit = await h.db
      .selectFrom("audit_log")
      .select(["project_id", "action", "target", "details"])
      .where("action", "in", ["key.roll", "secret.token_rewrite"])
      .where("project_id", "in", [k.project.id, k.consumer.id, other.id])
      .orderBy("id")
      .execute();
    expect(audit).toEqual([
      {
        project_id: k.consumer.id,
        action: "secret.token_rewrite",
        target: "svc_token",
        details: expect.objectContaining({
          keyId: k.keyId,
          templateName: "Doubler",
          sourceProjectId: k.project.id,
        }),
      },
      {
        project_id: other.id,
        action: "secret.token_rewrite",
        target: "calc_token",
        details: expect.objectContaining({ keyId: k.keyId }),
      },
      {
        project_id: k.project.id,
        action: "key.roll",
        target: "Doubler",
        details: {
          keyId: k.keyId,
          userId: k.holder.user.id,
          byHolder: true,
          graceMinutes: DEFAULT_HOLDER_ROLL_GRACE_MINUTES,
          secretsRewritten: 2,
        },
      },
    ]);
    expect(JSON.stringify(audit)).not.toContain(rolled.token);

    const mail = (await queuedEmails(h)).find((m) => m.to === k.holder.email && m.template === "key_rolled");
    expect(mail?.data).toEqual({
      projectId: k.project.id,
      projectName: "Service",
      templateName: "Doubler",
      byName: "you",
      byHolder: true,
      oldTokenUntil: rolled.oldTokenUntil!.toISOString(),
    });
    expect(JSON.stringify(mail)).not.toContain(rolled.token);
  });

  test("once the grace is over the old token is refused as rolled (recorded as denied); a second roll drops the older token at once", async () => {
    const k = await projectWithKey(h);
    const first = await k.holder.client.apiKeys.roll.mutate({ keyId: k.keyId, graceMinutes: 5 });
    expect((await call(k, k.token)).status).toBe(200);
    // a second roll: the first token was the previous one and is dropped; the second gets the grace
    const second = await k.holder.client.apiKeys.roll.mutate({ keyId: k.keyId, graceMinutes: 5 });
    const refused = await call(k, k.token);
    expect(refused.status).toBe(401);
    // the first token no longer belongs to the key at all
    expect(refused.body).toEqual({ detail: "Unknown API key" });
    expect((await call(k, first.token!)).status).toBe(200);
    expect((await call(k, second.token!)).status).toBe(200);

    // the grace ends (set in the database, told to the caches as a change would be)
    await h.db
      .updateTable("api_keys")
      .set({ previous_token_until: new Date(Date.now() - 1000) })
      .where("id", "=", k.keyId)
      .execute();
    await h.db.transaction().execute((trx) => apiKeys.keysChanged(trx, { keyIds: [k.keyId] }));
    const late = await call(k, first.token!);
    expect(late.status).toBe(401);
    expect(late.body).toEqual(ROLLED);
    expect((await call(k, second.token!)).status).toBe(200);
    await waitFor("the rolled call recorded as denied", async () =>
      h.db
        .selectFrom("usage_events")
        .select("outcome")
        .where("key_id", "=", k.keyId)
        .where("status", "=", 401)
        .executeTakeFirst(),
    ).then((e) => expect(e.outcome).toBe("denied"));
  });

  test("a holder who also manages the project rolls as the holder: the token is returned, the grace is 60 minutes", async () => {
    const k = await projectWithKey(h);
    const request = await k.owner.client.apiKeys.request.mutate({ templateId: k.template.id });
    const { keyId } = await k.owner.client.apiKeys.approve.mutate({ requestId: request.id });
    const rolled = await k.owner.client.apiKeys.roll.mutate({ keyId });
    expect(rolled.token).toEqual(expect.any(String));
    expect(rolled.oldTokenUntil).toEqual(expect.any(Date));
    const entry = await h.db
      .selectFrom("audit_log")
      .select("details")
      .where("action", "=", "key.roll")
      .where("project_id", "=", k.project.id)
      .executeTakeFirstOrThrow();
    expect(entry.details).toMatchObject({ keyId, byHolder: true, graceMinutes: 60 });
  });

  test("the roll's answer carries Cache-Control: no-store", async () => {
    const k = await projectWithKey(h);
    const res = await h.app.request("/trpc/apiKeys.roll", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        origin: h.config.appUrl,
        cookie: h.cookieHeader(k.holder.client),
      },
      body: JSON.stringify({ json: { keyId: k.keyId } }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
  });
});

describe("an owner rolls a holder's key", () => {
  test("grace 0 by default: the old token is refused at once, no token is returned, the holder is e-mailed", async () => {
    const k = await keyAndConsumer(h);
    await k.holder.client.secrets.importApiKey.mutate({
      projectId: k.consumer.id,
      keyId: k.keyId,
      prefix: "svc",
    });
    expect((await call(k, k.token)).status).toBe(200);

    const rolled = await k.owner.client.apiKeys.roll.mutate({ keyId: k.keyId });
    expect(rolled).toEqual({ id: k.keyId, oldTokenUntil: null });
    const refused = await call(k, k.token);
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual(ROLLED);

    // the holder learns the new token by reveal; their imported secret already holds it
    const { token } = await k.holder.client.apiKeys.reveal.mutate({ keyId: k.keyId });
    expect(token).not.toBe(k.token);
    expect((await call(k, token)).status).toBe(200);
    expect(await tokenSecrets(k.keyId)).toEqual([
      { projectId: k.consumer.id, name: "svc_token", value: token },
    ]);

    const mail = (await queuedEmails(h)).find((m) => m.to === k.holder.email && m.template === "key_rolled");
    expect(mail?.data).toMatchObject({ byName: "Owner", byHolder: false, oldTokenUntil: null });
    const entry = await h.db
      .selectFrom("audit_log")
      .select(["actor_id", "details"])
      .where("action", "=", "key.roll")
      .where("project_id", "=", k.project.id)
      .executeTakeFirstOrThrow();
    expect(entry).toEqual({
      actor_id: k.owner.user.id,
      details: {
        keyId: k.keyId,
        userId: k.holder.user.id,
        byHolder: false,
        graceMinutes: 0,
        secretsRewritten: 1,
      },
    });
    // the secret's rewrite is audited in the consumer project, by the owner who rolled
    const rewrite = await h.db
      .selectFrom("audit_log")
      .select(["actor_id", "target"])
      .where("action", "=", "secret.token_rewrite")
      .where("project_id", "=", k.consumer.id)
      .executeTakeFirstOrThrow();
    expect(rewrite).toEqual({ actor_id: k.owner.user.id, target: "svc_token" });
  });

  test("an owner may give a grace: the old token works until then", async () => {
    const k = await projectWithKey(h);
    const rolled = await k.owner.client.apiKeys.roll.mutate({ keyId: k.keyId, graceMinutes: 30 });
    expect(rolled.token).toBeUndefined();
    expect(rolled.oldTokenUntil!.getTime()).toBeGreaterThan(Date.now() + 29 * 60_000);
    expect((await call(k, k.token)).status).toBe(200);
    const mail = (await queuedEmails(h)).find((m) => m.to === k.holder.email && m.template === "key_rolled");
    expect(mail?.data).toMatchObject({ byHolder: false, oldTokenUntil: rolled.oldTokenUntil!.toISOString() });
  });
});
