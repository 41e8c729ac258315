import { apiKeys, Keyring, members, projects, roles } from "@keyflow/core";
import { createTestDatabase, type TestDatabase } from "@keyflow/db/testing";
import { TASKS } from "@keyflow/schemas";
import { createUser, waitFor } from "@keyflow/testing";
import { type Received, type Receiver, startReceiver } from "@keyflow/testing/smtp";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type RunningWorker, startWorker } from "../src/index";
import { queuedJobs } from "./queue";

// The API-key e-mails end to end (SPEC §8): core queues them in the state change's transaction, the
// worker renders and sends them through a real SMTP server.

const APP_URL = "https://keys.example.test";
const TOKEN = /kf_[0-9A-Za-z]{46}/;
const keyring = new Keyring("test-secret-0123456789");

let t: TestDatabase;
let receiver: Receiver;
let worker: RunningWorker;

beforeAll(async () => {
  [t, receiver] = await Promise.all([createTestDatabase(), startReceiver()]);
  worker = await startWorker({ databaseUrl: t.url, smtpUrl: receiver.url, appUrl: APP_URL, crontab: "" });
});
afterAll(async () => {
  await worker?.stop();
  await receiver?.close();
  await t?.destroy();
});

const signUp = (name: string) => createUser(t.db, name);

/** send_email jobs not yet done (graphile-worker deletes a job once it succeeded). */
const queuedEmails = async () => (await queuedJobs(t.db, TASKS.sendEmail)).length;

/** The messages with this subject, once the e-mail queue has drained (so a duplicate would be here). */
async function bySubject(subject: string, count: number): Promise<Received[]> {
  const matching = () => receiver.messages.filter((m) => m.mail.subject === subject);
  await waitFor(`${count} e-mail(s) "${subject}"`, () => matching().length >= count);
  await waitFor("the e-mail queue to drain", async () => (await queuedEmails()) === 0);
  return matching();
}

/** Owner and a second manager of a public project with a template "Forecast API". */
async function setupProject(projectName: string) {
  const owner = await signUp("Olga");
  const manager = await signUp("Mark");
  const as = owner.as;
  const project = await projects.createProject(t.db, as, { name: projectName, isPublic: true });
  const managerRole = await roles.createRole(t.db, as, {
    projectId: project.id,
    name: "Managers",
    permissions: { project: ["project_view", "project_manage"], nodes: {} },
  });
  const clientRole = await roles.createRole(t.db, as, {
    projectId: project.id,
    name: "Clients",
    permissions: { project: ["project_view", "package_view"], nodes: {} },
  });
  await members.addMember(t.db, as, {
    projectId: project.id,
    email: manager.email,
    roleIds: [managerRole.id],
  });
  const template = await apiKeys.createTemplate(t.db, as, {
    projectId: project.id,
    name: "Forecast API",
    roleId: clientRole.id,
  });
  return { owner, manager, project, template };
}

function expectNoToken(m: Received, token?: string) {
  for (const part of [m.mail.subject ?? "", m.mail.text ?? "", String(m.mail.html)]) {
    expect(part).not.toMatch(TOKEN);
    if (token) expect(part).not.toContain(token);
  }
}

test("request → one e-mail per manager; approval → the requester's 'is ready' e-mail without the token", async () => {
  const { owner, manager, project, template } = await setupProject("Weather & Co");
  const requester = await signUp("Rita");
  const message = "Please <script>alert(1)</script>\nthanks & regards";

  const request = await apiKeys.requestKey(t.db, requester.as, {
    templateId: template.id,
    message,
  });
  const subject = "API key request for Forecast API in Weather & Co";
  const asked = await bySubject(subject, 2);
  // one message per manager, each addressed to that manager only; nothing to the requester
  expect(asked.map((m) => m.envelopeTo).sort()).toEqual([[manager.email], [owner.email]].sort());
  for (const m of asked) {
    expect(m.mail.to && !Array.isArray(m.mail.to) && m.mail.to.value.map((a) => a.address)).toEqual(
      m.envelopeTo,
    );
    expect(m.mail.replyTo).toBeUndefined();
  }
  expect(receiver.to(requester.email)).toHaveLength(0);

  const link = `${APP_URL}/projects/${project.id}/api-keys`;
  const [first] = asked;
  const text = first?.mail.text ?? "";
  expect(text).toContain(`Rita (${requester.email}) asks for an API key "Forecast API"`);
  expect(text).toContain(message); // plain text carries the message as written
  expect(text).toContain(`${link}\n`);
  const html = String(first?.mail.html);
  expect(html).toContain(`href="${link}"`);
  expect(html).toContain("Please &#60;script&#62;alert(1)&#60;/script&#62;<br>thanks &#38; regards");
  expect(html).not.toContain("<script");
  // user text never becomes a link: the only anchor is the review link
  expect(html.match(/<a /g)).toHaveLength(1);

  // approval: the requester is told the key is ready; the token itself is never mailed
  const { keyId } = await apiKeys.approveRequest(t.db, owner.as, { requestId: request.id }, keyring);
  const [ready] = await bySubject("Your API key for Forecast API in Weather & Co is ready", 1);
  expect(ready?.envelopeTo).toEqual([requester.email]);
  const about = `${APP_URL}/projects/${project.id}`; // the About page
  expect(ready?.mail.text).toContain(
    'Your request for the API key "Forecast API" in "Weather & Co" was approved.',
  );
  expect(ready?.mail.text).toContain(`${about}\n`);
  expect(String(ready?.mail.html)).toContain(`href="${about}"`);
  const { token } = await apiKeys.revealKey(t.db, requester.as, { keyId }, keyring);
  expect(token).toMatch(TOKEN);
  for (const m of receiver.messages) expectNoToken(m, token);
  // the managers got nothing more
  expect(receiver.to(owner.email).filter((m) => m.mail.subject !== subject)).toHaveLength(0);
  expect(
    receiver.to(manager.email).filter((m) => !m.mail.subject?.startsWith("API key request")),
  ).toHaveLength(
    1, // "You were added to project …"
  );
});

test("rejection → the requester's e-mail carries the reason, escaped in HTML", async () => {
  const { owner, project, template } = await setupProject("Rejecting project");
  const requester = await signUp("Ravi");
  const request = await apiKeys.requestKey(t.db, requester.as, { templateId: template.id });
  await bySubject("API key request for Forecast API in Rejecting project", 2);

  const reason = "Not <b>now</b>\ncome back in May";
  await apiKeys.rejectRequest(t.db, owner.as, { requestId: request.id, reason });
  const [rejected] = await bySubject("Your API key request for Forecast API was rejected", 1);
  expect(rejected?.envelopeTo).toEqual([requester.email]);
  expect(rejected?.mail.text).toContain(`Reason:\n${reason}`);
  expect(rejected?.mail.text).toContain(`${APP_URL}/projects/${project.id}\n`);
  const html = String(rejected?.mail.html);
  expect(html).toContain("Not &#60;b&#62;now&#60;/b&#62;<br>come back in May");
  expect(html).not.toContain("<b>now");
  expectNoToken(rejected as Received);
  expect(receiver.to(requester.email)).toHaveLength(1);
});

test("withdrawal → one e-mail per manager naming the requester, linking to the Requests list", async () => {
  const { owner, manager, project, template } = await setupProject("Withdrawn & Co");
  const requester = await signUp("Wanda");
  const request = await apiKeys.requestKey(t.db, requester.as, { templateId: template.id });
  await bySubject("API key request for Forecast API in Withdrawn & Co", 2);

  await apiKeys.withdrawRequest(t.db, requester.as, { requestId: request.id });
  const told = await bySubject("Key request withdrawn: Forecast API in Withdrawn & Co", 2);
  expect(told.map((m) => m.envelopeTo).sort()).toEqual([[manager.email], [owner.email]].sort());
  const link = `${APP_URL}/projects/${project.id}/api-keys`;
  for (const m of told) {
    expect(m.mail.text).toContain(
      `Wanda (${requester.email}) withdrew their request for an API key "Forecast API" in your project "Withdrawn & Co".`,
    );
    expect(m.mail.text).toContain(`Review requests: ${link}\n`);
    expect(String(m.mail.html)).toContain(`href="${link}"`);
    expect(String(m.mail.html)).toContain("Withdrawn &#38; Co");
    expectNoToken(m);
  }
  // the requester is not e-mailed about their own withdrawal
  expect(receiver.to(requester.email)).toHaveLength(0);
});

test("suspend → the holder's e-mail with the reason (escaped); resume → 'works again'; links to About", async () => {
  const { owner, project, template } = await setupProject("Pausing project");
  const holder = await signUp("Hana");
  const request = await apiKeys.requestKey(t.db, holder.as, { templateId: template.id });
  const { keyId } = await apiKeys.approveRequest(t.db, owner.as, { requestId: request.id }, keyring);
  await bySubject("Your API key for Forecast API in Pausing project is ready", 1);

  const reason = "Invoice <b>#42</b> & more unpaid";
  await apiKeys.suspendKey(t.db, owner.as, { keyId, reason });
  const [suspended] = await bySubject("Your API key for Forecast API in Pausing project was suspended", 1);
  expect(suspended?.envelopeTo).toEqual([holder.email]);
  const about = `${APP_URL}/projects/${project.id}`;
  const text = suspended?.mail.text ?? "";
  expect(text).toContain('The owner of "Pausing project" suspended your API key "Forecast API".');
  expect(text).toContain(`Reason:\n${reason}`);
  expect(text).toContain(`${about}\n`);
  const html = String(suspended?.mail.html);
  expect(html).toContain("Invoice &#60;b&#62;#42&#60;/b&#62; &#38; more unpaid");
  expect(html).not.toContain("<b>#42");
  expect(html).toContain(`href="${about}"`);
  expect(html.match(/<a /g)).toHaveLength(1);

  await apiKeys.resumeKey(t.db, owner.as, { keyId });
  const [resumed] = await bySubject("Your API key for Forecast API in Pausing project works again", 1);
  expect(resumed?.envelopeTo).toEqual([holder.email]);
  expect(resumed?.mail.text).toContain(
    'resumed your API key "Forecast API". It works again with the same token',
  );
  expect(String(resumed?.mail.html)).toContain(`href="${about}"`);
  const { token } = await apiKeys.revealKey(t.db, holder.as, { keyId }, keyring);
  for (const m of [suspended!, resumed!]) expectNoToken(m, token);
  // one message each, to the holder only
  expect(receiver.to(holder.email).map((m) => m.mail.subject)).toEqual([
    "Your API key for Forecast API in Pausing project is ready",
    "Your API key for Forecast API in Pausing project was suspended",
    "Your API key for Forecast API in Pausing project works again",
  ]);
});
