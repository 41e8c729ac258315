import { afterAll, beforeAll, expect, test } from "vitest";
import { createHarness, expectTrpcError, type Harness, projectWithKey } from "../../../test/harness";

let h: Harness;
let f: Awaited<ReturnType<typeof setup>>;

/** A service project with a key holder, a member who may do everything but manage, and a stranger. */
async function setup() {
  const k = await projectWithKey(h);
  const member = await h.user("Member");
  const stranger = await h.user("Stranger");
  const almostOwner = await k.owner.client.roles.create.mutate({
    projectId: k.project.id,
    name: "Almost owner",
    permissions: {
      project: ["project_view", "project_edit", "graph_view", "graph_edit", "package_view", "code_view"],
      nodes: {},
    },
  });
  await k.owner.client.members.add.mutate({
    projectId: k.project.id,
    email: member.email,
    roleIds: [almostOwner.id],
  });
  const privateProject = await k.owner.client.projects.create.mutate({ name: "Private" });
  return { ...k, member, stranger, privateProject };
}

beforeAll(async () => {
  h = await createHarness();
  f = await setup();
});
afterAll(() => h.close());

test("without a session: UNAUTHORIZED", async () => {
  await expectTrpcError(h.client().audit.list.query({ projectId: f.project.id }), "UNAUTHORIZED");
});

test("another user's project: NOT_FOUND, whether it is private or public", async () => {
  const s = f.stranger.client;
  await expectTrpcError(
    s.audit.list.query({ projectId: f.privateProject.id }),
    "NOT_FOUND",
    /Project not found/,
  );
  // the service project is public: the stranger may read its About page and ask for a key, not its log
  await expectTrpcError(s.audit.list.query({ projectId: f.project.id }), "NOT_FOUND", /Project not found/);
  // holding a key of the project makes nobody a member
  await expectTrpcError(f.holder.client.audit.list.query({ projectId: f.project.id }), "NOT_FOUND");
});

test("a member without project_manage: FORBIDDEN", async () => {
  await expectTrpcError(
    f.member.client.audit.list.query({ projectId: f.project.id }),
    "FORBIDDEN",
    /project_manage/,
  );
});

test("a data-plane API key as bearer: UNAUTHORIZED, even beside the owner's session", async () => {
  const keyOnly = h.client({ bearer: f.token });
  await expectTrpcError(
    keyOnly.audit.list.query({ projectId: f.project.id }),
    "UNAUTHORIZED",
    /API keys are accepted only on \/api/,
  );
  const keyAndSession = h.client({ bearer: f.token, cookiesOf: f.owner.client });
  await expectTrpcError(keyAndSession.audit.list.query({ projectId: f.project.id }), "UNAUTHORIZED");
  // the owner's own session still reads the log
  expect((await f.owner.client.audit.list.query({ projectId: f.project.id })).items.length).toBeGreaterThan(
    0,
  );
});
