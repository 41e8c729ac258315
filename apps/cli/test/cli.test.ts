import { spawn } from "node:child_process";
import { serve } from "@hono/node-server";
import { type Config, createApp, createLucia } from "@keyflow/api";
import { accessTokens, apiKeys, Keyring, projects, roles, usage } from "@keyflow/core";
import { freePort } from "@keyflow/db/embedded";
import { createTestDatabase, type TestDatabase } from "@keyflow/db/testing";
import { createUser, type TestUser, waitFor } from "@keyflow/testing";
import { afterAll, beforeAll, expect, test } from "vitest";
import { serviceArgs } from "../../../scripts/bundle";

// The CLI as a process against a real API server (HTTP on a loopback port), with a personal token.

let database: TestDatabase;
let app: ReturnType<typeof createApp>;
let server: ReturnType<typeof serve>;
let url: string;
let owner: TestUser;
let holder: TestUser;
let other: TestUser;
let projectId: number;
let templateId: number;
let token: string;

/** Runs `keyflow <args>` with KEYFLOW_URL and KEYFLOW_TOKEN set. */
function keyflow(args: string[], env: { token?: string } = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [...serviceArgs("apps/cli"), ...args], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        KEYFLOW_URL: url,
        KEYFLOW_TOKEN: env.token ?? token,
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  database = await createTestDatabase();
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  const config: Config = {
    port,
    appUrl: url,
    databaseUrl: database.url,
    secret: "test-master-secret-0123456789abcdef",
    devMailboxOpen: true,
    smtpCapture: true,
    webDist: "/nonexistent",
    trustedProxies: [],
  };
  app = createApp({ db: database.db, pool: database.pool, auth: createLucia(database.pool, false), config });
  server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port, hostname: "127.0.0.1" }, () => resolve(s));
  });
  const db = database.db;
  [owner, holder, other] = [
    await createUser(db, "Owner"),
    await createUser(db, "Holder"),
    await createUser(db, "Other"),
  ];
  projectId = (await projects.createProject(db, owner.as, { name: "Service", isPublic: true })).id;
  const role = await roles.createRole(db, owner.as, {
    projectId,
    name: "Client",
    permissions: { project: ["project_view"], nodes: {} },
  });
  templateId = (await apiKeys.createTemplate(db, owner.as, { projectId, name: "Doubler", roleId: role.id }))
    .id;
  token = (await accessTokens.createAccessToken(db, owner.as, { name: "cli test" })).token;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()) ?? resolve());
  await app?.close();
  await database?.destroy();
});

// each CLI call is a Node process of its own: several per test take their time on
// a busy 2-core machine
const CLI_TEST_TIMEOUT_MS = 120_000;

test("lists pending requests, approves one, rejects another, and a second approval is one clear line", {
  timeout: CLI_TEST_TIMEOUT_MS,
}, async () => {
  const db = database.db;
  const wanted = await apiKeys.requestKey(db, holder.as, { templateId, message: "for my weather job" });
  const unwanted = await apiKeys.requestKey(db, other.as, { templateId });

  const listed = await keyflow(["requests", "list", "--project", String(projectId)]);
  expect(listed.stderr).toBe("");
  expect(listed.code).toBe(0);
  expect(listed.stdout).toMatch(
    new RegExp(`^\\s*${wanted.id}\\s+Doubler\\s+Holder <${holder.email}>\\s+pending`, "m"),
  );
  expect(listed.stdout).toContain("for my weather job");

  const approved = await keyflow(["requests", "approve", String(wanted.id)]);
  expect(approved.code).toBe(0);
  const key = await db
    .selectFrom("api_keys")
    .select("id")
    .where("user_id", "=", holder.id)
    .executeTakeFirstOrThrow();
  expect(approved.stdout).toBe(`Approved request ${wanted.id}: key ${key.id} issued.\n`);

  const rejected = await keyflow([
    "requests",
    "reject",
    String(unwanted.id),
    "--reason",
    "internal use only",
  ]);
  expect(rejected.stdout).toBe(`Rejected request ${unwanted.id}.\n`);
  const decided = await db
    .selectFrom("key_requests")
    .select(["id", "status", "reason"])
    .orderBy("id")
    .execute();
  expect(decided).toEqual([
    { id: wanted.id, status: "approved", reason: "" },
    { id: unwanted.id, status: "rejected", reason: "internal use only" },
  ]);

  const again = await keyflow(["requests", "approve", String(wanted.id)]);
  expect(again.code).toBe(1);
  expect(again.stdout).toBe("");
  expect(again.stderr.trim().split("\n")).toHaveLength(1);
  expect(again.stderr).toMatch(/already approved/i);
});

test("issued keys: a table, and CSV whose totals equal apiKeys.issued for the same period", {
  timeout: CLI_TEST_TIMEOUT_MS,
}, async () => {
  const db = database.db;
  const keys = await db.selectFrom("api_keys").select("id").where("project_id", "=", projectId).execute();
  const keyId = keys[0]!.id;
  const { token: apiKey } = await apiKeys.revealKey(db, holder.as, { keyId }, app.services.keyring);
  const calls = [
    `/api/projects/${projectId}/data_layers`,
    `/api/projects/${projectId}/data_layers`,
    "/api/projects/999999/data_layers",
  ];
  for (const p of calls) await fetch(`${url}${p}`, { headers: { authorization: `Bearer ${apiKey}` } });
  await waitFor("the usage events to be written", async () => {
    const r = await db
      .selectFrom("usage_events")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .executeTakeFirstOrThrow();
    return Number(r.n) === calls.length;
  });

  const shown = await keyflow(["keys", "list", "--project", String(projectId)]);
  expect(shown.stderr).toBe("");
  expect(shown.code).toBe(0);
  const lines = shown.stdout.trimEnd().split("\n");
  expect(lines[0]).toMatch(/^Issued keys of project \d+, usage from \d{4}-\d{2}-01 00:00 UTC to /);
  expect(lines[1]).toMatch(
    /^\s*Key\s+Token\s+Template\s+Holder\s+State\s+Received\s+Requests\s+Errors\s+Cost\s+Last used$/,
  );
  expect(shown.stdout).toMatch(
    new RegExp(`^\\s*${keyId}\\s+kf_\\w{4}…\\s+Doubler\\s+Holder <${holder.email}>\\s+active\\s`, "m"),
  );
  expect(lines.at(-1)).toMatch(/^Total\s+1 key\s+3\s+1\s+0$/);

  const from = new Date(Date.now() - 86_400_000);
  const to = new Date(Date.now() + 86_400_000);
  const exported = await keyflow([
    "keys",
    "list",
    "--project",
    String(projectId),
    "--from",
    from.toISOString(),
    "--to",
    to.toISOString(),
    "--csv",
  ]);
  expect(exported.code).toBe(0);
  const [header, ...rows] = exported.stdout
    .trimEnd()
    .split("\r\n")
    .map((l) => l.split(","));
  expect(header).toEqual([
    "key_id",
    "token_start",
    "template",
    "holder_name",
    "holder_email",
    "state",
    "received_at",
    "expires_at",
    "requests",
    "errors",
    "cost",
    "last_used_at",
  ]);
  const col = (name: string) => header!.indexOf(name);
  const core = await usage.issued(db, owner.as, { projectId, from, to, pageSize: 100 });
  expect(rows.map((r) => Number(r[col("key_id")]))).toEqual(core.rows.map((r) => r.keyId));
  const sum = (values: (string | number)[]) => values.reduce<number>((n, v) => n + Number(v), 0);
  expect(sum(rows.map((r) => r[col("requests")]!))).toBe(sum(core.rows.map((r) => r.requests)));
  expect(sum(rows.map((r) => r[col("requests")]!))).toBe(3);
  expect(sum(rows.map((r) => r[col("errors")]!))).toBe(sum(core.rows.map((r) => r.errors)));
  expect(sum(rows.map((r) => r[col("cost")]!))).toBeCloseTo(sum(core.rows.map((r) => r.cost)), 6);
});

test("suspends, resumes and revokes a key; a bad command line and a revoked token are one line and exit 1", {
  timeout: CLI_TEST_TIMEOUT_MS,
}, async () => {
  const db = database.db;
  const key = await db
    .selectFrom("api_keys")
    .select("id")
    .where("user_id", "=", holder.id)
    .executeTakeFirstOrThrow();
  const suspendedAt = async () =>
    (
      await db
        .selectFrom("api_keys")
        .select("suspend_reason")
        .where("id", "=", key.id)
        .executeTakeFirstOrThrow()
    ).suspend_reason;
  expect(await keyflow(["keys", "suspend", String(key.id)])).toMatchObject({
    code: 1,
    stderr: "--reason is required: the holder is told it (see: npm run keyflow -- help)\n",
  });
  const suspended = await keyflow(["keys", "suspend", String(key.id), "--reason", "Unpaid invoice"]);
  expect(suspended.stdout).toBe(`Suspended key ${key.id}.\n`);
  expect(await suspendedAt()).toBe("Unpaid invoice");
  // the server's CONFLICT, said in one line
  const twice = await keyflow(["keys", "suspend", String(key.id), "--reason", "again"]);
  expect(twice).toMatchObject({ code: 1, stdout: "" });
  expect(twice.stderr).toMatch(/^The key is already suspended.*\n$/);
  expect((await keyflow(["keys", "resume", String(key.id)])).stdout).toBe(`Resumed key ${key.id}.\n`);
  expect(await suspendedAt()).toBeNull();

  const revoked = await keyflow(["keys", "revoke", String(key.id)]);
  expect(revoked.stdout).toBe(`Revoked key ${key.id}.\n`);
  const row = await db
    .selectFrom("api_keys")
    .select("revoked_at")
    .where("id", "=", key.id)
    .executeTakeFirstOrThrow();
  expect(row.revoked_at).toBeInstanceOf(Date);

  const typo = await keyflow(["keys", "list", "--project", "abc"]);
  expect(typo).toMatchObject({
    code: 1,
    stdout: "",
    stderr: "--project must be a positive integer (see: npm run keyflow -- help)\n",
  });

  const pat = await accessTokens.createAccessToken(db, owner.as, { name: "soon revoked" });
  expect(
    (await keyflow(["requests", "list", "--project", String(projectId)], { token: pat.token })).code,
  ).toBe(0);
  await accessTokens.revokeAccessToken(db, owner.as, { id: pat.id });
  const refused = await keyflow(["requests", "list", "--project", String(projectId)], { token: pat.token });
  expect(refused).toEqual({ code: 1, stdout: "", stderr: "the token was refused (revoked or unknown)\n" });
});

test("rolls a key: at once by default, or with a grace; a bad grace is one line and exit 1", {
  timeout: CLI_TEST_TIMEOUT_MS,
}, async () => {
  const db = database.db;
  const keyring = new Keyring("test-master-secret-0123456789abcdef");
  const roller = await createUser(db, "Roller");
  const request = await apiKeys.requestKey(db, roller.as, { templateId });
  const { keyId } = await apiKeys.approveRequest(db, owner.as, { requestId: request.id }, keyring);
  const tokenHash = async () =>
    (await db.selectFrom("api_keys").select("token_hash").where("id", "=", keyId).executeTakeFirstOrThrow())
      .token_hash;
  const before = await tokenHash();

  const bad = await keyflow(["keys", "roll", String(keyId), "--grace", "1h"]);
  expect(bad).toEqual({
    code: 1,
    stdout: "",
    stderr: "--grace must be a whole number of minutes from 0 to 10080 (see: npm run keyflow -- help)\n",
  });
  expect(await tokenHash()).toEqual(before);

  const rolled = await keyflow(["keys", "roll", String(keyId)]);
  expect(rolled).toEqual({
    code: 0,
    stdout: `Rolled key ${keyId}: the old token is refused from now on.\n`,
    stderr: "",
  });
  const after = await tokenHash();
  expect(after).not.toEqual(before);

  const graced = await keyflow(["keys", "roll", String(keyId), "--grace", "30"]);
  expect(graced.stdout).toMatch(
    new RegExp(
      `^Rolled key ${keyId}: the old token works until \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC\\.\\n$`,
    ),
  );
  expect(graced.stdout).not.toContain("kf_");
  const row = await db
    .selectFrom("api_keys")
    .select(["previous_token_hash", "previous_token_until"])
    .where("id", "=", keyId)
    .executeTakeFirstOrThrow();
  expect(row.previous_token_hash).toEqual(after);
  expect(row.previous_token_until!.getTime()).toBeGreaterThan(Date.now() + 29 * 60_000);
});
