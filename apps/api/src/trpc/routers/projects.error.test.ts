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
