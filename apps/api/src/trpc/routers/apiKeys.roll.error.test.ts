import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  countRows,
  createHarness,
  expectTrpcError,
  type Harness,
  projectWithKey,
  queuedEmails,
} from "../../../test/harness";
import { keyAndConsumer } from "../../../test/secretFixtures";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

/** What a refused roll must leave as it was: the key's tokens, its secrets, the audit log and the e-mails. */
async function snapshot(keyId: number) {
  const key = await h.db
    .selectFrom("api_keys")
    .select([
      "token_hash",
      "token_encrypted",
      "token_start",
      "previous_token_hash",
      "previous_token_until",
      "rolled_at",
    ])
    .where("id", "=", keyId)
    .executeTakeFirstOrThrow();
  const secrets = await h.db
    .selectFrom("secrets")
    .select(["id", "value_encrypted", "updated_at"])
    .where("source_key_id", "=", keyId)
    .orderBy("id")
    .execute();
  return { key, secrets, audit: await countRows(h, "audit_log"), mails: (await queuedEmails(h)).length };
}

describe("roll: bad input", () => {
  test("a grace outside 0–10 080 whole minutes is BAD_REQUEST naming graceMinutes; nothing is written", async () => {
    const k = await keyAndConsumer(h);
    await k.holder.client.secrets.importApiKey.mutate({
      projectId: k.consumer.id,
      keyId: k.keyId,
      prefix: "svc",
    });
    const before = await snapshot(k.keyId);
    const roll = (graceMinutes: unknown) =>
      // biome-ignore lint/suspicious/noExplicitAny: a client that skips the types
      (k.holder.client.apiKeys.roll.mutate as any)({ keyId: k.keyId, graceMinutes });
    await expectTrpcError(roll(-1), "BAD_REQUEST", /^graceMinutes: /);
    await expectTrpcError(roll(10_081), "BAD_REQUEST", /^graceMinutes: /);
    await expectTrpcError(roll(1.5), "BAD_REQUEST", /^graceMinutes: /);
    await expectTrpcError(roll("60"), "BAD_REQUEST", /^graceMinutes: /);
    await expectTrpcError(roll(null), "BAD_REQUEST", /^graceMinutes: /);
    await expectTrpcError(
      // biome-ignore lint/suspicious/noExplicitAny: a client that skips the types
      (k.holder.client.apiKeys.roll.mutate as any)({}),
      "BAD_REQUEST",
      /keyId/,
    );
    expect(await snapshot(k.keyId)).toEqual(before);
    // the bounds themselves are fine
    await k.holder.client.apiKeys.roll.mutate({ keyId: k.keyId, graceMinutes: 10_080 });
    await k.holder.client.apiKeys.roll.mutate({ keyId: k.keyId, graceMinutes: 0 });
  });

  test("an unknown key is NOT_FOUND", async () => {
    const k = await projectWithKey(h);
    await expectTrpcError(
      k.holder.client.apiKeys.roll.mutate({ keyId: 2_000_000_000 }),
      "NOT_FOUND",
      /^API key not found$/,
    );
  });
});

describe("roll: only an active key", () => {
  test("suspended, revoked and expired keys are CONFLICT naming the state; nothing is written", async () => {
    const k = await keyAndConsumer(h);
    await k.holder.client.secrets.importApiKey.mutate({
      projectId: k.consumer.id,
      keyId: k.keyId,
      prefix: "svc",
    });

    await k.owner.client.apiKeys.suspend.mutate({ keyId: k.keyId, reason: "Audit" });
    const suspended = await snapshot(k.keyId);
    await expectTrpcError(
      k.holder.client.apiKeys.roll.mutate({ keyId: k.keyId }),
      "CONFLICT",
      /^The key is suspended; only an active key can be rolled$/,
    );
    await expectTrpcError(
      k.owner.client.apiKeys.roll.mutate({ keyId: k.keyId }),
      "CONFLICT",
      /^The key is suspended; only an active key can be rolled$/,
    );
    expect(await snapshot(k.keyId)).toEqual(suspended);

    await k.owner.client.apiKeys.resume.mutate({ keyId: k.keyId });
    await h.db
      .updateTable("api_keys")
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where("id", "=", k.keyId)
      .execute();
    const expired = await snapshot(k.keyId);
    await expectTrpcError(
      k.holder.client.apiKeys.roll.mutate({ keyId: k.keyId }),
      "CONFLICT",
      /^The key is expired; only an active key can be rolled$/,
    );
    expect(await snapshot(k.keyId)).toEqual(expired);

    await k.holder.client.apiKeys.revoke.mutate({ keyId: k.keyId });
    const revoked = await snapshot(k.keyId);
    await expectTrpcError(
      k.owner.client.apiKeys.roll.mutate({ keyId: k.keyId, graceMinutes: 0 }),
      "CONFLICT",
      /^The key is revoked; only an active key can be rolled$/,
    );
    expect(await snapshot(k.keyId)).toEqual(revoked);
  });

  test("two rolls at once both succeed, one after the other: the last token is current, the one before has the grace", async () => {
    const k = await projectWithKey(h);
    const [a, b] = await Promise.all([
      k.holder.client.apiKeys.roll.mutate({ keyId: k.keyId }),
      k.holder.client.apiKeys.roll.mutate({ keyId: k.keyId }),
    ]);
    const { token } = await k.holder.client.apiKeys.reveal.mutate({ keyId: k.keyId });
    expect([a.token, b.token]).toContain(token);
    const row = await h.db
      .selectFrom("api_keys")
      .select(["previous_token_hash"])
      .where("id", "=", k.keyId)
      .executeTakeFirstOrThrow();
    expect(row.previous_token_hash).not.toBeNull();
  });
});
