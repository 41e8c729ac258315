import { afterAll, beforeAll, expect, test } from "vitest";
import { snapshot } from "../../../test/graphFixtures";
import { createHarness, type Harness, projectWithKey } from "../../../test/harness";

// An update naming nothing it knows (only the id, or only keys it drops) used to send an empty
// `UPDATE … SET` to PostgreSQL and answer 500. It is a no-op answering the record as it is.

let h: Harness;
let f: Awaited<ReturnType<typeof setup>>;

async function setup() {
  const k = await projectWithKey(h);
  const c = k.owner.client;
  const node = await c.graph.createNode.mutate({ projectId: k.project.id, name: "Input", kind: "compute" });
  const template = await c.apiKeys.addField.mutate({ templateId: k.template.id, name: "extra", value: "v" });
  const secret = await c.secrets.create.mutate({
    projectId: k.project.id,
    name: "api_token",
    value: "s3cret",
  });
  return { ...k, c, node, template, field: template.fields.find((x) => x.name === "extra")!, secret };
}

beforeAll(async () => {
  h = await createHarness();
  f = await setup();
});
afterAll(() => h.close());

const TABLES = ["projects", "roles", "nodes", "api_key_templates", "secrets", "audit_log"] as const;
// keys the schemas do not know are dropped, leaving nothing to change
const unknown = { colour: "red" } as object;

/** Runs `update` twice (bare id, then with an unknown key): same answer as `current`, nothing written. */
async function noOp<T>(update: (extra: object) => Promise<T>, current: () => Promise<unknown>) {
  const before = await snapshot(h, [...TABLES]);
  const expected = await current();
  expect(await update({})).toEqual(expected);
  expect(await update(unknown)).toEqual(expected);
  expect(await snapshot(h, [...TABLES])).toEqual(before);
}

test("apiKeys.updateTemplate with only templateId", async () => {
  const current = async () =>
    (await f.c.apiKeys.listTemplates.query({ projectId: f.project.id })).find((t) => t.id === f.template.id);
  await noOp((x) => f.c.apiKeys.updateTemplate.mutate({ templateId: f.template.id, ...x }), current);
});

test("apiKeys.updateField with only fieldId", async () => {
  const current = async () =>
    (await f.c.apiKeys.listTemplates.query({ projectId: f.project.id })).find((t) => t.id === f.template.id);
  await noOp((x) => f.c.apiKeys.updateField.mutate({ fieldId: f.field.id, ...x }), current);
});

test("projects.update with only projectId", async () => {
  const current = async () => {
    const p = await f.c.projects.get.query({ projectId: f.project.id });
    return { id: p.id, name: p.name, description: p.description, isPublic: p.isPublic };
  };
  await noOp((x) => f.c.projects.update.mutate({ projectId: f.project.id, ...x }), current);
});

test("roles.update with only roleId", async () => {
  const current = async () =>
    (await f.c.roles.list.query({ projectId: f.project.id })).find((r) => r.id === f.role.id);
  await noOp((x) => f.c.roles.update.mutate({ roleId: f.role.id, ...x }), current);
});

test("graph.updateNode with only nodeId", async () => {
  const current = async () => {
    const { nodes } = await f.c.graph.get.query({ projectId: f.project.id });
    const { lastJob: _, usedByTemplates: __, ...node } = nodes.find((n) => n.id === f.node.id)!;
    return node;
  };
  await noOp(async (x) => {
    const {
      lastJob: _,
      usedByTemplates: __,
      ...node
    } = await f.c.graph.updateNode.mutate({
      nodeId: f.node.id,
      ...x,
    });
    return node;
  }, current);
});

test("secrets.update with only secretId keeps updatedAt and writes no audit entry", async () => {
  const current = async () =>
    (await f.c.secrets.list.query({ projectId: f.project.id })).find((s) => s.id === f.secret.id);
  await noOp((x) => f.c.secrets.update.mutate({ secretId: f.secret.id, ...x }), current);
});
