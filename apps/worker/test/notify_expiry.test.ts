import { apiKeys, Keyring, projects, roles } from "@keyflow/core";
import { sql } from "@keyflow/db";
import { createTestDatabase, type TestDatabase } from "@keyflow/db/testing";
import { TASKS } from "@keyflow/schemas";
import { createUser, waitFor } from "@keyflow/testing";
import { type Receiver, startReceiver } from "@keyflow/testing/smtp";
import { makeWorkerUtils, type WorkerUtils } from "graphile-worker";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type RunningWorker, startWorker } from "../src/index";
import { NOTIFY_EXPIRY_CRON } from "../src/tasks/notify_expiry";
import { DEFAULT_CRONTAB } from "../src/worker";
import { queuedJobs } from "./queue";

// The `notify_expiry` cron task (SPEC §12): holders are e-mailed 7 days and 1 day before their key
// expires and once when it expired, each at most once per key, with two workers on one database
// and several runs at once. Expiry times are set in the database relative to now.

const APP_URL = "https://keys.example.test";
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const keyring = new Keyring("test-secret-0123456789");

let t: TestDatabase;
let receiver: Receiver;
let utils: WorkerUtils;
const workers: RunningWorker[] = [];

beforeAll(async () => {
  [t, receiver] = await Promise.all([createTestDatabase(), startReceiver()]);
  // two workers with the default crontab, as in production
  for (let i = 0; i < 2; i++)
    workers.push(await startWorker({ databaseUrl: t.url, smtpUrl: receiver.url, appUrl: APP_URL }));
  utils = await makeWorkerUtils({ pgPool: t.pool });
});
afterAll(async () => {
  await utils?.release();
  await Promise.all(workers.map((w) => w.stop()));
  await receiver?.close();
  await t?.destroy();
});

/** A public project "Weather" with a template, and `holders` users who each hold a key from it. */
async function keysOf(templateName: string, holders: string[]) {
  const owner = await createUser(t.db, "Olga");
  const project = await projects.createProject(t.db, owner.as, { name: "Weather", isPublic: true });
  const role = await roles.createRole(t.db, owner.as, {
    projectId: project.id,
    name: "Client",
    permissions: { project: ["project_view"], nodes: {} },
  });
  const template = await apiKeys.createTemplate(t.db, owner.as, {
    projectId: project.id,
    name: templateName,
    roleId: role.id,
  });
  const keys = [];
  for (const name of holders) {
    const holder = await createUser(t.db, name);
    const req = await apiKeys.requestKey(t.db, holder.as, { templateId: template.id });
    const { keyId } = await apiKeys.approveRequest(t.db, owner.as, { requestId: req.id }, keyring);
    keys.push({ holder, keyId });
  }
  return { owner, project, template, keys };
}

/** Sets a key's expiry `ms` from now (negative: in the past). */
async function expireIn(keyId: number, ms: number) {
  await t.db
    .updateTable("api_keys")
    .set({ expires_at: new Date(Date.now() + ms) })
    .where("id", "=", keyId)
    .execute();
}

/**
 * Runs the task `parallel` times at once on the two workers (and once more straight from the test,
 * as a third process would), then waits until every run finished and every e-mail was delivered.
 */
async function runNotices(parallel = 1) {
  await Promise.all([
    ...Array.from({ length: parallel }, () => utils.addJob(TASKS.notifyExpiry, {})),
    parallel > 1 ? apiKeys.sendExpiryNotices(t.db) : null,
  ]);
  await waitFor(
    "the notify_expiry jobs to finish",
    async () => (await queuedJobs(t.db, TASKS.notifyExpiry)).filter((j) => !j.later).length === 0,
  );
  await waitFor(
    "the e-mail queue to drain",
    async () => (await queuedJobs(t.db, TASKS.sendEmail)).length === 0,
  );
}

/** The subjects of the expiry e-mails a holder received, oldest first. */
const expiryMails = (email: string) =>
  receiver
    .to(email)
    .map((m) => m.mail.subject ?? "")
    .filter((s) => / expires in | expired$/.test(s));

test("the cron line runs notify_expiry every minute, registered once for both workers", async () => {
  expect(NOTIFY_EXPIRY_CRON).toBe("* * * * * notify_expiry ?jobKey=notify_expiry");
  expect(DEFAULT_CRONTAB.split("\n")).toContain(NOTIFY_EXPIRY_CRON);
  const known = await sql<{ identifier: string }>`
    select identifier from graphile_worker._private_known_crontabs`.execute(t.db);
  expect(known.rows.map((r) => r.identifier)).toContain(TASKS.notifyExpiry);
  expect(known.rows.filter((r) => r.identifier === TASKS.notifyExpiry)).toHaveLength(1);
});

test("7 days before, then 1 day before, then on expiry: each notice once, however often and widely the task runs", {
  timeout: 60_000,
}, async () => {
  const {
    project,
    keys: [early, later],
  } = await keysOf("Forecast API", ["Hana", "Ivo"]);
  await expireIn(early!.keyId, 7 * DAY - HOUR); // inside the 7-day window
  await expireIn(later!.keyId, 8 * DAY); // not yet

  await runNotices(4);
  await runNotices(1);
  expect(expiryMails(early!.holder.email)).toEqual(["Your API key for Forecast API expires in 7 days"]);
  expect(expiryMails(later!.holder.email)).toEqual([]);
  const [sent] = receiver.to(early!.holder.email).filter((m) => m.mail.subject?.includes("expires in"));
  const text = sent?.mail.text ?? "";
  expect(text).toContain('Your API key "Forecast API" in "Weather" expires on ');
  expect(text).toContain(" UTC. Calls with it are refused after that.");
  expect(text).toContain(`${APP_URL}/keys\n`); // Open My keys

  // a day later for the second key's window, six days later for the first
  await expireIn(early!.keyId, DAY - HOUR);
  await expireIn(later!.keyId, 7 * DAY - HOUR);
  await runNotices(4);
  await runNotices(1);
  expect(expiryMails(early!.holder.email)).toEqual([
    "Your API key for Forecast API expires in 7 days",
    "Your API key for Forecast API expires in a day",
  ]);
  expect(expiryMails(later!.holder.email)).toEqual(["Your API key for Forecast API expires in 7 days"]);

  // the first key expires: key_expired once, linking to the project's About page
  await expireIn(early!.keyId, -60_000);
  await runNotices(4);
  await runNotices(1);
  expect(expiryMails(early!.holder.email)).toEqual([
    "Your API key for Forecast API expires in 7 days",
    "Your API key for Forecast API expires in a day",
    "Your API key for Forecast API in Weather expired",
  ]);
  const [expired] = receiver.to(early!.holder.email).filter((m) => m.mail.subject?.endsWith("expired"));
  expect(expired?.mail.text).toContain('Your API key "Forecast API" in "Weather" expired.');
  expect(expired?.mail.text).toContain(`${APP_URL}/projects/${project.id}\n`);
  expect(expired?.envelopeTo).toEqual([early!.holder.email]);
  const marks = await t.db
    .selectFrom("api_keys")
    .select(["notified_7d_at", "notified_1d_at", "notified_expired_at"])
    .where("id", "=", early!.keyId)
    .executeTakeFirstOrThrow();
  expect(Object.values(marks).every((v) => v instanceof Date)).toBe(true);
  expect(expiryMails(later!.holder.email)).toHaveLength(1);
});

test("a key issued with less than a day left gets only the 1-day notice; one with 3 days left is told '3 days', then 'a day'", {
  timeout: 60_000,
}, async () => {
  const {
    keys: [short, threeDays],
  } = await keysOf("Nowcast API", ["Kai", "Lea"]);
  await expireIn(short!.keyId, 5 * HOUR);
  await expireIn(threeDays!.keyId, 3 * DAY - HOUR);
  await runNotices(4);
  await runNotices(1);
  expect(expiryMails(short!.holder.email)).toEqual(["Your API key for Nowcast API expires in a day"]);
  expect(expiryMails(threeDays!.holder.email)).toEqual(["Your API key for Nowcast API expires in 3 days"]);
  const short7d = await t.db
    .selectFrom("api_keys")
    .select("notified_7d_at")
    .where("id", "=", short!.keyId)
    .executeTakeFirstOrThrow();
  expect(short7d.notified_7d_at).toBeNull(); // skipped for good, never sent late

  await expireIn(threeDays!.keyId, 20 * HOUR);
  await runNotices(2);
  expect(expiryMails(short!.holder.email)).toEqual(["Your API key for Nowcast API expires in a day"]);
  expect(expiryMails(threeDays!.holder.email)).toEqual([
    "Your API key for Nowcast API expires in 3 days",
    "Your API key for Nowcast API expires in a day",
  ]);
});

test("revoked keys get nothing; a suspended key still does; a key expired weeks before is marked, not mailed", {
  timeout: 60_000,
}, async () => {
  const {
    owner,
    keys: [revoked, suspended, longGone],
  } = await keysOf("Archive API", ["Mia", "Nils", "Omar"]);
  await apiKeys.revokeKey(t.db, owner.as, { keyId: revoked!.keyId });
  await apiKeys.suspendKey(t.db, owner.as, { keyId: suspended!.keyId, reason: "Unpaid invoice" });
  await expireIn(revoked!.keyId, 5 * HOUR);
  await expireIn(suspended!.keyId, 5 * HOUR);
  await expireIn(longGone!.keyId, -30 * DAY);
  await runNotices(2);
  expect(expiryMails(revoked!.holder.email)).toEqual([]);
  expect(expiryMails(suspended!.holder.email)).toEqual(["Your API key for Archive API expires in a day"]);
  expect(expiryMails(longGone!.holder.email)).toEqual([]);
  const gone = await t.db
    .selectFrom("api_keys")
    .select("notified_expired_at")
    .where("id", "=", longGone!.keyId)
    .executeTakeFirstOrThrow();
  expect(gone.notified_expired_at).toBeInstanceOf(Date);

  // the revoked key passing its expiry: still nothing
  await expireIn(revoked!.keyId, -60_000);
  await runNotices(1);
  expect(expiryMails(revoked!.holder.email)).toEqual([]);
});
