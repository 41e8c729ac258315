import { afterAll, beforeAll, expect, test } from "vitest";
import { countRows, createHarness, deleteDuring, expectTrpcError, type Harness } from "../../../test/harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

test("unknown permission names, foreign nodes and blank names are refused and write nothing", async () => {
  const { client } = await h.user("Owner");
  const p = await client.projects.create.mutate({ name: "Errors" });
  const other = await client.projects.create.mutate({ name: "Other" });
  const foreignNode = await h.db
    .insertInto("nodes")
    .values({ project_id: other.id, name: "n", kind: "data", runtime: null, entry: null })
    .returning("id")
    .executeTakeFirstOrThrow();
  const before = await countRows(h, "roles");
  await expectTrpcError(
    client.roles.create.mutate({
      projectId: p.id,
      name: "X",
      permissions: { project: ["root" as "project_view"], nodes: {} },
    }),
    "BAD_REQUEST",
    /^permissions\.project\.0:/,
  );
  await expectTrpcError(
    client.roles.create.mutate({
      projectId: p.id,
      name: "X",
      permissions: { project: [], nodes: { [foreignNode.id]: ["code_view"] } },
    }),
    "BAD_REQUEST",
    /^permissions\.nodes: no node \d+ in this project/,
  );
  await expectTrpcError(
    client.roles.create.mutate({ projectId: p.id, name: "  ", permissions: { project: [], nodes: {} } }),
    "BAD_REQUEST",
    /^name:/,
  );
  expect(await countRows(h, "roles")).toBe(before);
});

test("a node deleted while a role is given permissions on it: BAD_REQUEST naming it, the role unchanged", async () => {
  const { client } = await h.user("Racer");
  const p = await client.projects.create.mutate({ name: "Race" });
  const node = await client.graph.createNode.mutate({ projectId: p.id, name: "doomed", kind: "data" });
  const role = await client.roles.create.mutate({
    projectId: p.id,
    name: "Reader",
    permissions: { project: ["project_view"], nodes: {} },
  });
  await expectTrpcError(
    deleteDuring(h, { table: "nodes", id: node.id }, 'insert into "role_node_permissions"', () =>
      client.roles.update.mutate({
        roleId: role.id,
        name: "Writer",
        permissions: { project: ["project_view"], nodes: { [node.id]: ["package_create"] } },
      }),
    ),
    "BAD_REQUEST",
    new RegExp(`^permissions\\.nodes: no node ${node.id} in this project`),
  );
  const [after] = (await client.roles.list.query({ projectId: p.id })).filter((r) => r.id === role.id);
  expect(after).toMatchObject({ name: "Reader", permissions: { project: ["project_view"], nodes: {} } });
});

test("duplicate names (any case) and a second public role are CONFLICT", async () => {
  const { client } = await h.user("Dup");
  const p = await client.projects.create.mutate({ name: "Dup" });
  await client.roles.create.mutate({
    projectId: p.id,
    name: "Analyst",
    isPublic: true,
    permissions: { project: ["project_view"], nodes: {} },
  });
  await expectTrpcError(
    client.roles.create.mutate({ projectId: p.id, name: "ANALYST", permissions: { project: [], nodes: {} } }),
    "CONFLICT",
    /already exists/,
  );
  await expectTrpcError(
    client.roles.create.mutate({
      projectId: p.id,
      name: "Public 2",
      isPublic: true,
      permissions: { project: [], nodes: {} },
    }),
    "CONFLICT",
    /already has a public role/,
  );
});

test("the owner role cannot be edited or deleted", async () => {
  const { client } = await h.user("OwnerRole");
  const p = await client.projects.create.mutate({ name: "Owned" });
  const [owner] = await client.roles.list.query({ projectId: p.id });
  await expectTrpcError(
    client.roles.update.mutate({ roleId: owner!.id, name: "Boss" }),
    "FORBIDDEN",
    /owner role cannot/,
  );
  await expectTrpcError(client.roles.delete.mutate({ roleId: owner!.id }), "FORBIDDEN", /owner role cannot/);
  expect((await client.roles.list.query({ projectId: p.id }))[0]?.name).toBe("Owner");
});
