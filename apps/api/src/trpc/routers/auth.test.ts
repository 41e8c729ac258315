import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createHarness, expectTrpcError, type Harness, PASSWORD } from "../../../test/harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

describe("auth", () => {
  test("sign up signs the user in with an HttpOnly SameSite=Lax session cookie", async () => {
    const c = h.client();
    const res = await h.app.request("/trpc/auth.signUp", {
      method: "POST",
      headers: { "content-type": "application/json", origin: "http://localhost:3000" },
      body: JSON.stringify({ json: { email: "cookie@example.com", password: PASSWORD, name: "Cookie" } }),
    });
    expect(res.status).toBe(200);
    const cookie = res.headers.getSetCookie().join("\n");
    expect(cookie).toMatch(/keyflow_session=\w+/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(await c.auth.me.query()).toBeNull();
  });

  test("sign up, me, sign out, sign in", async () => {
    const { client, user, email } = await h.user("Ann");
    expect(await client.auth.me.query()).toMatchObject({ id: user.id, email, name: "Ann" });
    await client.auth.signOut.mutate();
    expect(await client.auth.me.query()).toBeNull();
    const again = h.client();
    await again.auth.signIn.mutate({ email: email.toUpperCase(), password: PASSWORD });
    expect(await again.auth.me.query()).toMatchObject({ id: user.id });
  });

  test("the password is stored as an argon2id hash", async () => {
    const { user } = await h.user("Hash");
    const row = await h.db
      .selectFrom("users")
      .select("password_hash")
      .where("id", "=", user.id)
      .executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    expect(row.password_hash).not.toContain(PASSWORD);
  });
});

describe("auth errors", () => {
  test("an e-mail already taken is a clear CONFLICT and creates no second account", async () => {
    const { email } = await h.user("Taken");
    const before = await h.db
      .selectFrom("users")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    await expectTrpcError(
      h.client().auth.signUp.mutate({ email, password: PASSWORD, name: "Other" }),
      "CONFLICT",
      /already exists/,
    );
    const after = await h.db
      .selectFrom("users")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  test("bad input names the field", async () => {
    await expectTrpcError(
      h.client().auth.signUp.mutate({ email: "not-an-email", password: PASSWORD, name: "X" }),
      "BAD_REQUEST",
      /^email:/,
    );
    await expectTrpcError(
      h.client().auth.signUp.mutate({ email: "short@example.com", password: "short", name: "X" }),
      "BAD_REQUEST",
      /^password: must be at least 8/,
    );
    await expectTrpcError(
      h.client().auth.signUp.mutate({ email: "noname@example.com", password: PASSWORD, name: " " }),
      "BAD_REQUEST",
      /^name:/,
    );
  });

  test("wrong password and unknown e-mail give the same message", async () => {
    const { email } = await h.user("Wrong");
    const a = await expectTrpcError(
      h.client().auth.signIn.mutate({ email, password: "not the password" }),
      "UNAUTHORIZED",
    );
    const b = await expectTrpcError(
      h.client().auth.signIn.mutate({ email: "nobody@example.com", password: "whatever1" }),
      "UNAUTHORIZED",
    );
    expect(a.message).toBe("Wrong e-mail or password");
    expect(b.message).toBe(a.message);
  });

  test("repeated failed sign-ins lock the account, even for the right password", async () => {
    const { email } = await h.user("Locked");
    for (let i = 0; i < 5; i++) {
      await expectTrpcError(
        h.client().auth.signIn.mutate({ email, password: `wrong-${i}-pass` }),
        "UNAUTHORIZED",
      );
    }
    await expectTrpcError(
      h.client().auth.signIn.mutate({ email, password: PASSWORD }),
      "TOO_MANY_REQUESTS",
      /Try again in \d+ minutes/,
    );
  });
});

describe("auth security", () => {
  test("signed-out callers cannot sign out or change a password", async () => {
    await expectTrpcError(h.client().auth.signOut.mutate(), "UNAUTHORIZED");
    await expectTrpcError(
      h.client().auth.changePassword.mutate({ currentPassword: "x", newPassword: "whatever123" }),
      "UNAUTHORIZED",
    );
  });

  test("a bearer token is refused on tRPC even with a valid session", async () => {
    const { client } = await h.user("Bearer");
    const withKey = h.client({ bearer: "kf_anything", cookiesOf: client });
    await expectTrpcError(withKey.projects.list.query(), "UNAUTHORIZED", /only on \/api/);
  });

  test("a cookie-authenticated mutation from another origin is refused", async () => {
    const { client } = await h.user("Csrf");
    const evil = h.client({ origin: "http://evil.example", cookiesOf: client });
    const before = await h.db
      .selectFrom("projects")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    await expect(evil.projects.create.mutate({ name: "Evil" })).rejects.toThrow();
    // refused by the Origin check itself, not by anything later
    const raw = await h.app.request("/trpc/projects.create", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        origin: "http://evil.example",
        cookie: h.cookieHeader(client),
      },
      body: JSON.stringify({ json: { name: "Evil" } }),
    });
    expect(raw.status).toBe(403);
    expect(await raw.json()).toEqual({ detail: "Cross-origin request refused: Origin must match APP_URL" });
    const after = await h.db
      .selectFrom("projects")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  test("changing the password ends every other session", async () => {
    const { client, email } = await h.user("Rotate");
    const other = h.client();
    await other.auth.signIn.mutate({ email, password: PASSWORD });
    await client.auth.changePassword.mutate({
      currentPassword: PASSWORD,
      newPassword: "a brand new password",
    });
    expect(await other.auth.me.query()).toBeNull();
    expect(await client.auth.me.query()).toMatchObject({ email });
  });
});
