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

test("filters open nothing: a non-manager is refused with them, and names stay inside the project", async () => {
  await expectTrpcError(
    f.member.client.audit.list.query({
      projectId: f.project.id,
      action: "key.reveal",
      actorId: f.holder.user.id,
    }),
    "FORBIDDEN",
    /project_manage/,
  );
  await expectTrpcError(
    f.stranger.client.audit.list.query({ projectId: f.privateProject.id, actorId: f.owner.user.id }),
    "NOT_FOUND",
  );
  // an entry of this project naming another project's key and node by id gets no names for them
  const other = await f.owner.client.graph.createNode.mutate({
    projectId: f.privateProject.id,
    name: "private-node",
    kind: "data",
  });
  await h.db
    .insertInto("audit_log")
    .values({
      project_id: f.project.id,
      actor_id: f.owner.user.id,
      action: "node.update",
      target: "forged",
      details: JSON.stringify({ nodeId: other.id, keyId: 2147483647 }),
    })
    .execute();
  const log = await f.owner.client.audit.list.query({ projectId: f.project.id, action: "node.update" });
  expect(log.items.map((e) => e.target)).toEqual(["forged"]);
  expect(log.names.nodes).toEqual([]);
  expect(JSON.stringify(log.names)).not.toContain("private-node");
  // another project's actors are not listed either
  const mine = await f.stranger.client.projects.create.mutate({ name: "Stranger's" });
  const strangers = await f.stranger.client.audit.list.query({ projectId: mine.id });
  expect(strangers.actors.map((a) => a.id)).toEqual([f.stranger.user.id]);
});
