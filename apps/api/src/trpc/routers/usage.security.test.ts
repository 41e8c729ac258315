import { afterAll, beforeAll, expect, test } from "vitest";
import { createHarness, expectTrpcError, type Harness, projectWithKey } from "../../../test/harness";

let h: Harness;
let f: Awaited<ReturnType<typeof setup>>;

/** Two service projects with a key each, a member without project_manage and a stranger. */
async function setup() {
  const k = await projectWithKey(h);
  const other = await projectWithKey(h, { templateName: "Other" });
  const member = await h.user("Member");
  const stranger = await h.user("Stranger");
  const editor = await k.owner.client.roles.create.mutate({
    projectId: k.project.id,
    name: "Editor",
    permissions: { project: ["project_view", "project_edit", "graph_view", "graph_edit"], nodes: {} },
  });
  await k.owner.client.members.add.mutate({
    projectId: k.project.id,
    email: member.email,
    roleIds: [editor.id],
  });
  return { ...k, other, member, stranger };
}

beforeAll(async () => {
  h = await createHarness();
  f = await setup();
});
afterAll(() => h.close());

const period = () => ({ from: new Date(Date.now() - 3_600_000), to: new Date(), bucket: "hour" as const });

test("without a session: UNAUTHORIZED", async () => {
  const anon = h.client();
  await expectTrpcError(anon.usage.series.query({ keyId: f.keyId, ...period() }), "UNAUTHORIZED");
  await expectTrpcError(anon.usage.series.query({ projectId: f.project.id, ...period() }), "UNAUTHORIZED");
});

test("another user's project: NOT_FOUND", async () => {
  await expectTrpcError(
    f.stranger.client.usage.series.query({ projectId: f.project.id, ...period() }),
    "NOT_FOUND",
    /Project not found/,
  );
  // the key holder is no member of the project either
  await expectTrpcError(
    f.holder.client.usage.series.query({ projectId: f.project.id, ...period() }),
    "NOT_FOUND",
  );
});

test("another project's key: NOT_FOUND, for its owner as for a stranger", async () => {
  await expectTrpcError(
    f.owner.client.usage.series.query({ keyId: f.other.keyId, ...period() }),
    "NOT_FOUND",
    /API key not found/,
  );
  await expectTrpcError(f.stranger.client.usage.series.query({ keyId: f.keyId, ...period() }), "NOT_FOUND");
  await expectTrpcError(
    f.holder.client.usage.series.query({ keyId: f.other.keyId, ...period() }),
    "NOT_FOUND",
    /API key not found/,
  );
});

test("a member without project_manage: FORBIDDEN for the project and for a key that is not theirs", async () => {
  await expectTrpcError(
    f.member.client.usage.series.query({ projectId: f.project.id, ...period() }),
    "FORBIDDEN",
    /project_manage/,
  );
  await expectTrpcError(f.member.client.usage.series.query({ keyId: f.keyId, ...period() }), "FORBIDDEN");
  // the holder reads their own key's usage without any project right
  await expect(f.holder.client.usage.series.query({ keyId: f.keyId, ...period() })).resolves.toMatchObject({
    points: [],
  });
});

test("a data-plane API key as bearer: UNAUTHORIZED, even beside a session", async () => {
  await expectTrpcError(
    h.client({ bearer: f.token }).usage.series.query({ keyId: f.keyId, ...period() }),
    "UNAUTHORIZED",
    /API keys are accepted only on \/api/,
  );
  await expectTrpcError(
    h
      .client({ bearer: f.token, cookiesOf: f.holder.client })
      .usage.series.query({ keyId: f.keyId, ...period() }),
    "UNAUTHORIZED",
  );
});
