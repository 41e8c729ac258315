import { afterAll, beforeAll, expect, test } from "vitest";
import { createHarness, expectTrpcError, type Harness, projectWithKey } from "../../../test/harness";
import { rest } from "../../../test/rest";

let h: Harness;
let f: Awaited<ReturnType<typeof setup>>;

async function setup() {
  const k = await projectWithKey(h);
  const pat = await k.owner.client.auth.createAccessToken.mutate({ name: "owner tool" });
  const stranger = await h.user("Stranger");
  const strangerPat = await stranger.client.auth.createAccessToken.mutate({ name: "stranger tool" });
  const privateProject = await k.owner.client.projects.create.mutate({ name: "Private" });
  return { ...k, pat, stranger, strangerPat, privateProject };
}

beforeAll(async () => {
  h = await createHarness();
  f = await setup();
});
afterAll(() => h.close());

test("without a session: UNAUTHORIZED", async () => {
  const anon = h.client();
  await expectTrpcError(anon.auth.createAccessToken.mutate({ name: "x" }), "UNAUTHORIZED");
  await expectTrpcError(anon.auth.listAccessTokens.query(), "UNAUTHORIZED");
  await expectTrpcError(anon.auth.revokeAccessToken.mutate({ id: f.pat.id }), "UNAUTHORIZED");
});

test("a token cannot manage tokens, change the password or end sessions", async () => {
  const tool = h.client({ bearer: f.pat.token, origin: null });
  const refused = /Personal access tokens cannot do this/;
  await expectTrpcError(tool.auth.createAccessToken.mutate({ name: "more" }), "FORBIDDEN", refused);
  await expectTrpcError(tool.auth.listAccessTokens.query(), "FORBIDDEN", refused);
  await expectTrpcError(tool.auth.revokeAccessToken.mutate({ id: f.pat.id }), "FORBIDDEN", refused);
  await expectTrpcError(
    tool.auth.changePassword.mutate({
      currentPassword: "correct horse battery",
      newPassword: "another one 123",
    }),
    "FORBIDDEN",
    refused,
  );
  await expectTrpcError(tool.auth.signOutEverywhere.mutate(), "FORBIDDEN", refused);
  expect((await f.owner.client.auth.listAccessTokens.query()).map((t) => t.state)).toEqual(["active"]);
});

test("another user's token: NOT_FOUND, and it keeps working", async () => {
  await expectTrpcError(f.owner.client.auth.revokeAccessToken.mutate({ id: f.strangerPat.id }), "NOT_FOUND");
  expect((await f.owner.client.auth.listAccessTokens.query()).map((t) => t.id)).toEqual([f.pat.id]);
  expect(await h.client({ bearer: f.strangerPat.token, origin: null }).auth.me.query()).toMatchObject({
    id: f.stranger.user.id,
  });
});

test("a token acts as its user only: the cookie beside it is ignored", async () => {
  const strangerTool = h.client({ bearer: f.strangerPat.token, cookiesOf: f.owner.client });
  expect((await strangerTool.auth.me.query())?.id).toBe(f.stranger.user.id);
  await expectTrpcError(strangerTool.projects.get.query({ projectId: f.privateProject.id }), "NOT_FOUND");
  await expectTrpcError(strangerTool.apiKeys.listRequests.query({ projectId: f.project.id }), "NOT_FOUND");
});

test("Origin: a Bearer request without a cookie needs none; with the cookie it is checked", async () => {
  const foreign = h.client({ bearer: f.pat.token, origin: "http://evil.example" });
  await foreign.projects.create.mutate({ name: "Tool from anywhere" });
  const raw = await h.app.request("/trpc/projects.create", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${f.pat.token}`,
      origin: "http://evil.example",
      cookie: h.cookieHeader(f.owner.client),
    },
    body: JSON.stringify({ json: { name: "Evil" } }),
  });
  expect(raw.status).toBe(403);
});

test("data-plane keys stay refused on tRPC; personal tokens are refused on /api", async () => {
  await expectTrpcError(
    h.client({ bearer: f.token, origin: null }).projects.list.query(),
    "UNAUTHORIZED",
    /API keys are accepted only on \/api/,
  );
  const res = await rest(h, { bearer: f.pat.token }).get(`/api/projects/${f.project.id}/data_layers`);
  expect(res.status).toBe(401);
  expect(res.body).toEqual({ detail: "Personal access tokens are accepted only on /trpc" });
});

test("a revoked token is refused even beside a valid session (no fallback to the cookie)", async () => {
  const { id, token } = await f.owner.client.auth.createAccessToken.mutate({ name: "leaked" });
  await f.owner.client.auth.revokeAccessToken.mutate({ id });
  await expectTrpcError(
    h.client({ bearer: token, cookiesOf: f.owner.client }).projects.list.query(),
    "UNAUTHORIZED",
    /revoked/,
  );
});
