import { afterAll, beforeAll, expect, test } from "vitest";
import { countRows, createHarness, expectTrpcError, type Harness } from "../../../test/harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

test("bad input names the field and writes nothing", async () => {
  const { client } = await h.user("Bad");
  const before = await Promise.all([
    countRows(h, "projects"),
    countRows(h, "roles"),
    countRows(h, "data_layers"),
  ]);
  await expectTrpcError(client.projects.create.mutate({ name: "   " }), "BAD_REQUEST", /^name:/);
  await expectTrpcError(
    client.projects.create.mutate({ name: "x".repeat(101) }),
    "BAD_REQUEST",
    /^name: must be at most 100/,
  );
  // wrong type from a hand-written client
  await expectTrpcError(
    client.projects.create.mutate({ name: 42 as unknown as string }),
    "BAD_REQUEST",
    /^name:/,
  );
  // the field travels apart from its reason, so a form can name it in its own words
  const e = await expectTrpcError(client.projects.create.mutate({ name: "" }), "BAD_REQUEST");
  expect(e.data).toMatchObject({ field: "name", reason: "is required" });
  const after = await Promise.all([
    countRows(h, "projects"),
    countRows(h, "roles"),
    countRows(h, "data_layers"),
  ]);
  expect(after).toEqual(before);
});

test("an unknown project is NOT_FOUND", async () => {
  const { client } = await h.user("Lost");
  await expectTrpcError(client.projects.get.query({ projectId: 999_999 }), "NOT_FOUND", /Project not found/);
  await expectTrpcError(client.projects.update.mutate({ projectId: 999_999, name: "x" }), "NOT_FOUND");
  await expectTrpcError(client.projects.get.query({ projectId: 0 }), "BAD_REQUEST", /^projectId:/);
});

test("a deleted public project is NOT_FOUND to its former visitors", async () => {
  const owner = await h.user("Gone");
  const visitor = await h.user("Late");
  const p = await owner.client.projects.create.mutate({ name: "Closed service", isPublic: true });
  expect((await visitor.client.projects.get.query({ projectId: p.id })).canViewProject).toBe(false);
  await owner.client.projects.delete.mutate({ projectId: p.id });
  await expectTrpcError(visitor.client.projects.get.query({ projectId: p.id }), "NOT_FOUND");
  await expectTrpcError(visitor.client.projects.about.query({ projectId: p.id }), "NOT_FOUND");
});

test("update with bad input changes nothing", async () => {
  const { client } = await h.user("Upd");
  const p = await client.projects.create.mutate({ name: "Keep" });
  await expectTrpcError(
    client.projects.update.mutate({ projectId: p.id, name: "" }),
    "BAD_REQUEST",
    /^name:/,
  );
  expect((await client.projects.get.query({ projectId: p.id })).name).toBe("Keep");
});
