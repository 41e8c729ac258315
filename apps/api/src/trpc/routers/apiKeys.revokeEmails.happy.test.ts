import { afterAll, beforeAll, expect, test } from "vitest";
import { createHarness, type Harness, queuedEmails } from "../../../test/harness";

// Every revocation e-mails the holder, saying why (SPEC §12: holders are e-mailed on every change
// to their key): their own, an owner's, and the system's when a template or project is deleted or
// the holder is removed from a private project.

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

/** An owner's project (public unless said) with a template "Forecast API" and one holder's key. */
async function heldKey(opts: { isPublic?: boolean; projectName?: string } = {}) {
  const owner = await h.user("Owner");
  const holder = await h.user("Holder");
  const project = await owner.client.projects.create.mutate({
    name: opts.projectName ?? "Weather",
    isPublic: opts.isPublic ?? true,
  });
  const role = await owner.client.roles.create.mutate({
    projectId: project.id,
    name: "Client",
    permissions: { project: ["project_view"], nodes: {} },
  });
  if (opts.isPublic === false)
    await owner.client.members.add.mutate({ projectId: project.id, email: holder.email, roleIds: [role.id] });
  const template = await owner.client.apiKeys.createTemplate.mutate({
    projectId: project.id,
    name: "Forecast API",
    roleId: role.id,
  });
  const { keyId } = await owner.client.apiKeys.approve.mutate({
    requestId: (await holder.client.apiKeys.request.mutate({ templateId: template.id })).id,
  });
  return { owner, holder, project, template, keyId };
}

/** The key_revoked e-mails queued to `email`. */
async function revokedMails(email: string) {
  return (await queuedEmails(h)).filter((m) => m.to === email && m.template === "key_revoked");
}

test("the holder revoking their own key is e-mailed 'you revoked it yourself'; an owner's revocation says so", async () => {
  const own = await heldKey();
  await own.holder.client.apiKeys.revoke.mutate({ keyId: own.keyId });
  expect(await revokedMails(own.holder.email)).toEqual([
    {
      to: own.holder.email,
      template: "key_revoked",
      data: {
        projectId: own.project.id,
        projectName: "Weather",
        templateName: "Forecast API",
        why: "you revoked it yourself",
      },
    },
  ]);

  const byOwner = await heldKey();
  await byOwner.owner.client.apiKeys.revoke.mutate({ keyId: byOwner.keyId });
  expect((await revokedMails(byOwner.holder.email)).map((m) => m.data.why)).toEqual([
    "the project's owner revoked it",
  ]);
  // the owner is not e-mailed about their own action
  expect(await revokedMails(byOwner.owner.email)).toEqual([]);
});

test("removal from a private project revokes the key and tells the holder why; from a public one nothing is revoked", async () => {
  const k = await heldKey({ isPublic: false, projectName: "Private service" });
  await k.owner.client.members.remove.mutate({ projectId: k.project.id, userId: k.holder.user.id });
  expect(await revokedMails(k.holder.email)).toEqual([
    {
      to: k.holder.email,
      template: "key_revoked",
      data: {
        projectId: k.project.id,
        projectName: "Private service",
        templateName: "Forecast API",
        why: "you were removed from the project",
      },
    },
  ]);

  // in a public project a former member keeps their key (anyone may hold one): no e-mail
  const pub = await heldKey({ projectName: "Open service" });
  const role = await pub.owner.client.roles.create.mutate({
    projectId: pub.project.id,
    name: "Helper",
    permissions: { project: ["project_view"], nodes: {} },
  });
  await pub.owner.client.members.add.mutate({
    projectId: pub.project.id,
    email: pub.holder.email,
    roleIds: [role.id],
  });
  await pub.owner.client.members.remove.mutate({ projectId: pub.project.id, userId: pub.holder.user.id });
  expect((await pub.holder.client.apiKeys.mine.query())[0]?.state).toBe("active");
  expect(await revokedMails(pub.holder.email)).toEqual([]);
});

test("deleting the template or the project tells each holder why their key was revoked", async () => {
  const byTemplate = await heldKey();
  await byTemplate.owner.client.apiKeys.deleteTemplate.mutate({ templateId: byTemplate.template.id });
  expect((await revokedMails(byTemplate.holder.email)).map((m) => m.data)).toEqual([
    {
      projectId: byTemplate.project.id,
      projectName: "Weather",
      templateName: "Forecast API",
      why: "its template was deleted",
    },
  ]);

  const byProject = await heldKey({ projectName: "Closing down" });
  await byProject.owner.client.projects.delete.mutate({ projectId: byProject.project.id });
  expect((await revokedMails(byProject.holder.email)).map((m) => m.data)).toEqual([
    {
      projectId: byProject.project.id,
      projectName: "Closing down",
      templateName: "Forecast API",
      why: "the project was deleted",
    },
  ]);
});
