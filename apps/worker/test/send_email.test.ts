import { CoreError, devMailbox, mail, members, projects } from "@keyflow/core";
import { createTestDatabase, type TestDatabase } from "@keyflow/db/testing";
import { TASKS } from "@keyflow/schemas";
import { createUser, uniqueEmail, waitFor } from "@keyflow/testing";
import { type Receiver, startReceiver } from "@keyflow/testing/smtp";
import { makeWorkerUtils } from "graphile-worker";
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type DevSmtp, type RunningWorker, startDevSmtp, startWorker } from "../src/index";
import { queuedJobs } from "./queue";

const APP_URL = "https://keyflow.example.test";

/** Queued e-mail jobs for one recipient. */
async function jobsTo(t: TestDatabase, to: string) {
  const jobs = await queuedJobs(t.db, TASKS.sendEmail);
  return jobs.filter((j) => (j.payload as { to?: unknown }).to === to);
}

const memberAddedData = { projectId: 1, projectName: "P", inviterName: "I", roleNames: [] };

/** Queues a member_added e-mail in a transaction of its own, as a committed change would. */
const enqueueCommitted = (t: TestDatabase, to: string) =>
  t.db
    .transaction()
    .execute((trx) => mail.enqueueEmail(trx, { to, template: "member_added", data: memberAddedData }));

describe("send_email through SMTP_URL", () => {
  let t: TestDatabase;
  let receiver: Receiver;
  let worker: RunningWorker;

  beforeAll(async () => {
    [t, receiver] = await Promise.all([createTestDatabase(), startReceiver()]);
    worker = await startWorker({ databaseUrl: t.url, smtpUrl: receiver.url, appUrl: APP_URL });
  });
  afterAll(async () => {
    await worker?.stop();
    await receiver?.close();
    await t?.destroy();
  });

  test("adding a member e-mails them: recipient, subject, text and escaped HTML, links from APP_URL", async () => {
    const owner = await createUser(t.db, "Olga");
    const member = await createUser(t.db, "Max");
    const project = await projects.createProject(t.db, owner.as, { name: "<b>x</b> & co" });
    await members.addMember(t.db, owner.as, {
      projectId: project.id,
      email: member.email,
      roleIds: [],
    });

    const received = await waitFor("the member-added e-mail", () => receiver.to(member.email)[0]);
    expect(receiver.to(member.email)).toHaveLength(1);
    expect(receiver.to(owner.email)).toHaveLength(0);
    const m = received.mail;
    expect(received.envelopeTo).toEqual([member.email]);
    expect(m.from?.value).toEqual([{ name: "Keyflow", address: "keyflow@localhost" }]);
    expect(m.to && !Array.isArray(m.to) && m.to.value.map((a) => a.address)).toEqual([member.email]);
    expect(m.replyTo).toBeUndefined();
    expect(m.subject).toBe("You were added to project <b>x</b> & co");

    const link = `${APP_URL}/projects/${project.id}`; // the project's About page
    expect(m.text).toContain('Olga added you to the Keyflow project "<b>x</b> & co".');
    expect(m.text).toContain(`${link}\n`);
    const html = String(m.html);
    expect(html).toContain(`href="${link}"`);
    expect(html).toContain("&#60;b&#62;x&#60;/b&#62; &#38; co");
    expect(html).not.toContain("<b>x</b>");
  });

  test("an e-mail queued in a rolled-back transaction is never sent", async () => {
    const ghost = uniqueEmail("ghost");
    const marker = uniqueEmail("marker");
    await expect(
      t.db.transaction().execute(async (trx) => {
        await mail.enqueueEmail(trx, { to: ghost, template: "member_added", data: memberAddedData });
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    expect(await jobsTo(t, ghost)).toEqual([]);

    // a committed e-mail queued after it is delivered, and the rolled-back one still is not
    await enqueueCommitted(t, marker);
    await waitFor("the marker e-mail", () => receiver.to(marker).length > 0);
    expect(receiver.to(ghost)).toHaveLength(0);
  });

  test("a refused send stays queued with its error and is retried (at most 10 attempts)", async () => {
    const flaky = uniqueEmail("flaky");
    receiver.refuse.add(flaky);
    await enqueueCommitted(t, flaky);
    const job = await waitFor("the failed attempt", async () => {
      const [row] = await jobsTo(t, flaky);
      return row && row.attempts >= 1 && row.lastError ? row : null;
    });
    expect(job.maxAttempts).toBe(10);
    expect(job.lastError).toMatch(/451|try later/);
    expect(job.later).toBe(true); // backoff before the next attempt
    expect(receiver.to(flaky)).toHaveLength(0);

    // once the server accepts again, the retry delivers it
    receiver.refuse.delete(flaky);
    const utils = await makeWorkerUtils({ pgPool: t.pool });
    try {
      await utils.rescheduleJobs([job.id], { runAt: new Date() });
    } finally {
      await utils.release();
    }
    await waitFor("the retried e-mail", () => receiver.to(flaky).length > 0);
    expect(receiver.to(flaky)).toHaveLength(1);
  });
});

describe("local SMTP capture and the Dev mailbox", () => {
  let t: TestDatabase;
  let capture: DevSmtp;

  beforeAll(async () => {
    t = await createTestDatabase();
    capture = await startDevSmtp({ db: t.db });
  });
  afterAll(async () => {
    await capture?.stop();
    await t?.destroy();
  });

  test("stores each message; the open mailbox shows all, otherwise only mine", async () => {
    const alice = await createUser(t.db, "Alice");
    const bob = await createUser(t.db, "Bob");
    const transport = nodemailer.createTransport(capture.url);
    await transport.sendMail({
      from: "Keyflow <keyflow@localhost>",
      to: alice.email.toUpperCase(), // addresses match case-insensitively
      subject: "For Alice",
      text: "hello alice",
      html: "<p>hello alice</p>",
    });
    await transport.sendMail({
      from: "keyflow@localhost",
      to: bob.email,
      subject: "For Bob",
      text: "hello bob",
    });
    transport.close();

    const all = await devMailbox.listDevMailbox(t.db, alice.as, { open: true });
    expect(all.map((m) => m.subject)).toEqual(["For Bob", "For Alice"]); // newest first
    expect(all[1]).toMatchObject({
      to: [alice.email],
      text: "hello alice",
      html: "<p>hello alice</p>",
    });
    expect(all[1]?.from).toMatch(/^"?Keyflow"? <keyflow@localhost>$/);
    expect(all[1]?.receivedAt).toBeInstanceOf(Date);
    expect(all[0]?.html).toBe("");

    const mine = await devMailbox.listDevMailbox(t.db, alice.as, { open: false });
    expect(mine.map((m) => m.subject)).toEqual(["For Alice"]);
    const bobs = await devMailbox.listDevMailbox(t.db, bob.as, { open: false });
    expect(bobs.map((m) => m.subject)).toEqual(["For Bob"]);

    await expect(
      devMailbox.listDevMailbox(t.db, { kind: "anonymous" }, { open: true }),
    ).rejects.toBeInstanceOf(CoreError);
  });

  test("without SMTP_URL the worker sends to its own capture, so the e-mail shows in the Dev mailbox", async () => {
    const worker = await startWorker({ databaseUrl: t.url, appUrl: APP_URL });
    try {
      expect(worker.smtpUrl).toMatch(/^smtp:\/\/127\.0\.0\.1:\d+$/);
      const owner = await createUser(t.db, "Owner");
      const member = await createUser(t.db, "Member");
      const project = await projects.createProject(t.db, owner.as, { name: "Captured" });
      await members.addMember(t.db, owner.as, {
        projectId: project.id,
        email: member.email,
        roleIds: [],
      });
      const [message] = await waitFor("the captured e-mail", async () => {
        const list = await devMailbox.listDevMailbox(t.db, member.as, { open: false });
        return list.length > 0 ? list : null;
      });
      expect(message).toMatchObject({ to: [member.email], subject: "You were added to project Captured" });
      expect(message?.text).toContain(`${APP_URL}/projects/${project.id}\n`);
      expect(message?.html).toContain(`href="${APP_URL}/projects/${project.id}"`);
    } finally {
      await worker.stop();
    }
  });
});
