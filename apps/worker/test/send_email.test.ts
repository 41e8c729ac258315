import { randomBytes } from "node:crypto";
import { auth, CoreError, devMailbox, mail, members, projects, userPrincipal } from "@keyflow/core";
import { sql } from "@keyflow/db";
import { createTestDatabase, type TestDatabase } from "@keyflow/db/testing";
import { waitFor } from "@keyflow/testing";
import { type Receiver, startReceiver } from "@keyflow/testing/smtp";
import { makeWorkerUtils } from "graphile-worker";
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type DevSmtp, type RunningWorker, startDevSmtp, startWorker } from "../src/index";

const APP_URL = "https://keyflow.example.test";

async function signUp(t: TestDatabase, name: string) {
  const email = `${name.toLowerCase()}-${randomBytes(3).toString("hex")}@example.com`;
  return auth.signUp(t.db, { email, password: "correct horse battery", name });
}

/**
 * Queued e-mail jobs for one recipient. The public `graphile_worker.jobs` view has no payload
 * column, hence the private table (graphile-worker 0.17).
 */
async function jobsTo(t: TestDatabase, to: string) {
  const r = await sql<{
    id: string;
    attempts: number;
    max_attempts: number;
    last_error: string | null;
    later: boolean;
  }>`
    select id::text, attempts, max_attempts, last_error, run_at > now() as later
    from graphile_worker._private_jobs where payload->>'to' = ${to}`.execute(t.db);
  return r.rows;
}

const memberAddedData = { projectId: 1, projectName: "P", inviterName: "I", roleNames: [] };

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
    const owner = await signUp(t, "Olga");
    const member = await signUp(t, "Max");
    const project = await projects.createProject(t.db, userPrincipal(owner.id), { name: "<b>x</b> & co" });
    await members.addMember(t.db, userPrincipal(owner.id), {
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

    const link = `${APP_URL}/projects/${project.id}/about`;
    expect(m.text).toContain('Olga added you to the Keyflow project "<b>x</b> & co".');
    expect(m.text).toContain(link);
    const html = String(m.html);
    expect(html).toContain(`href="${link}"`);
    expect(html).toContain("&#60;b&#62;x&#60;/b&#62; &#38; co");
    expect(html).not.toContain("<b>x</b>");
  });

  test("an e-mail queued in a rolled-back transaction is never sent", async () => {
    const ghost = `ghost-${randomBytes(3).toString("hex")}@example.com`;
    const marker = `marker-${randomBytes(3).toString("hex")}@example.com`;
    await expect(
      t.db.transaction().execute(async (trx) => {
        await mail.enqueueEmail(trx, { to: ghost, template: "member_added", data: memberAddedData });
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    expect(await jobsTo(t, ghost)).toEqual([]);

    // a committed e-mail queued after it is delivered, and the rolled-back one still is not
    await mail.enqueueEmail(t.db, { to: marker, template: "member_added", data: memberAddedData });
    await waitFor("the marker e-mail", () => receiver.to(marker).length > 0);
    expect(receiver.to(ghost)).toHaveLength(0);
  });

  test("a refused send stays queued with its error and is retried (at most 10 attempts)", async () => {
    const flaky = `flaky-${randomBytes(3).toString("hex")}@example.com`;
    receiver.refuse.add(flaky);
    await mail.enqueueEmail(t.db, { to: flaky, template: "member_added", data: memberAddedData });
    const job = await waitFor("the failed attempt", async () => {
      const [row] = await jobsTo(t, flaky);
      return row && row.attempts >= 1 && row.last_error ? row : null;
    });
    expect(job.max_attempts).toBe(10);
    expect(job.last_error).toMatch(/451|try later/);
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
    const alice = await signUp(t, "Alice");
    const bob = await signUp(t, "Bob");
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

    const all = await devMailbox.listDevMailbox(t.db, userPrincipal(alice.id), { open: true });
    expect(all.map((m) => m.subject)).toEqual(["For Bob", "For Alice"]); // newest first
    expect(all[1]).toMatchObject({
      to: [alice.email],
      text: "hello alice",
      html: "<p>hello alice</p>",
    });
    expect(all[1]?.from).toMatch(/^"?Keyflow"? <keyflow@localhost>$/);
    expect(all[1]?.receivedAt).toBeInstanceOf(Date);
    expect(all[0]?.html).toBe("");

    const mine = await devMailbox.listDevMailbox(t.db, userPrincipal(alice.id), { open: false });
    expect(mine.map((m) => m.subject)).toEqual(["For Alice"]);
    const bobs = await devMailbox.listDevMailbox(t.db, userPrincipal(bob.id), { open: false });
    expect(bobs.map((m) => m.subject)).toEqual(["For Bob"]);

    await expect(
      devMailbox.listDevMailbox(t.db, { kind: "anonymous" }, { open: true }),
    ).rejects.toBeInstanceOf(CoreError);
  });

  test("without SMTP_URL the worker sends to its own capture, so the e-mail shows in the Dev mailbox", async () => {
    const worker = await startWorker({ databaseUrl: t.url, appUrl: APP_URL });
    try {
      expect(worker.smtpUrl).toMatch(/^smtp:\/\/127\.0\.0\.1:\d+$/);
      const owner = await signUp(t, "Owner");
      const member = await signUp(t, "Member");
      const project = await projects.createProject(t.db, userPrincipal(owner.id), { name: "Captured" });
      await members.addMember(t.db, userPrincipal(owner.id), {
        projectId: project.id,
        email: member.email,
        roleIds: [],
      });
      const [message] = await waitFor("the captured e-mail", async () => {
        const list = await devMailbox.listDevMailbox(t.db, userPrincipal(member.id), { open: false });
        return list.length > 0 ? list : null;
      });
      expect(message).toMatchObject({ to: [member.email], subject: "You were added to project Captured" });
      expect(message?.text).toContain(`${APP_URL}/projects/${project.id}/about`);
      expect(message?.html).toContain(`href="${APP_URL}/projects/${project.id}/about"`);
    } finally {
      await worker.stop();
    }
  });
});
