import { generateToken } from "@keyflow/core";
import { ACCESS_TOKEN_PREFIX } from "@keyflow/schemas";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createHarness, expectTrpcError, type Harness } from "../../../test/harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const tokenRows = async () =>
  Number(
    (
      await h.db
        .selectFrom("access_tokens")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .executeTakeFirstOrThrow()
    ).n,
  );

test("bad input: a clear message, nothing written", async () => {
  const { client } = await h.user("Typo");
  await expectTrpcError(
    client.auth.createAccessToken.mutate({ name: "   " }),
    "BAD_REQUEST",
    /^name: is required$/,
  );
  await expectTrpcError(
    client.auth.createAccessToken.mutate({ name: "x".repeat(81) }),
    "BAD_REQUEST",
    /name: must be at most 80 characters/,
  );
  await expectTrpcError(
    client.auth.createAccessToken.mutate({ name: "ok", expiresInDays: 0 }),
    "BAD_REQUEST",
    /expiresInDays: must be at least 1/,
  );
  expect(await tokenRows()).toBe(0);
  await expectTrpcError(
    client.auth.revokeAccessToken.mutate({ id: 0 }),
    "BAD_REQUEST",
    /id: must be a positive/,
  );
});

test("revoking an unknown token is NOT_FOUND, twice is CONFLICT", async () => {
  const { client } = await h.user("Twice");
  await expectTrpcError(
    client.auth.revokeAccessToken.mutate({ id: 99_999 }),
    "NOT_FOUND",
    /Access token not found/,
  );
  const { id } = await client.auth.createAccessToken.mutate({ name: "once" });
  await client.auth.revokeAccessToken.mutate({ id });
  await expectTrpcError(client.auth.revokeAccessToken.mutate({ id }), "CONFLICT", /already revoked/);
});

test("malformed, unknown and expired tokens are UNAUTHORIZED", async () => {
  const { client } = await h.user("Expiring");
  const { id, token } = await client.auth.createAccessToken.mutate({ name: "short", expiresInDays: 1 });
  const typo = `${token.slice(0, -1)}${token.endsWith("a") ? "b" : "a"}`;
  await expectTrpcError(
    h.client({ bearer: typo, origin: null }).auth.me.query(),
    "UNAUTHORIZED",
    /Malformed access token/,
  );
  const unknown = h.client({ bearer: generateToken(ACCESS_TOKEN_PREFIX), origin: null });
  await expectTrpcError(unknown.auth.me.query(), "UNAUTHORIZED", /Unknown, revoked or expired access token/);
  await client.auth.revokeAccessToken.mutate({ id });
  const { id: id2, token: token2 } = await client.auth.createAccessToken.mutate({
    name: "short",
    expiresInDays: 1,
  });
  await h.db
    .updateTable("access_tokens")
    .set({ expires_at: new Date(Date.now() - 1000) })
    .where("id", "=", id2)
    .execute();
  await expectTrpcError(
    h.client({ bearer: token2, origin: null }).projects.list.query(),
    "UNAUTHORIZED",
    /expired/,
  );
  expect((await client.auth.listAccessTokens.query()).find((t) => t.id === id2)?.state).toBe("expired");
});
