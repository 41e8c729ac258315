import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Fixture, projectWithMembers, snapshot } from "../../../test/graphFixtures";
import { createHarness, expectTrpcError, type Harness } from "../../../test/harness";

let h: Harness;
let f: Fixture;
beforeAll(async () => {
  h = await createHarness();
  f = await projectWithMembers(h);
});
afterAll(() => h.close());

async function refused(call: () => Promise<unknown>, code: string, message?: RegExp) {
  const before = await snapshot(h);
  const e = await expectTrpcError(call(), code, message);
  expect(await snapshot(h)).toEqual(before);
  return e;
}

describe("data layer errors", () => {
  test("bad input names the field and writes nothing", async () => {
    const c = f.owner.client.dataLayers;
    await refused(
      () => c.create.mutate({ projectId: f.projectId, name: " ", kind: "shared" }),
      "BAD_REQUEST",
      /^name:/,
    );
    await refused(
      () => c.create.mutate({ projectId: f.projectId, name: "x".repeat(101), kind: "shared" }),
      "BAD_REQUEST",
      /^name:/,
    );
    await refused(
      () => c.create.mutate({ projectId: f.projectId, name: "X", kind: "team" as "shared" }),
      "BAD_REQUEST",
      /^kind:/,
    );
    await refused(() => c.delete.mutate({ dataLayerId: 0 }), "BAD_REQUEST", /^dataLayerId:/);
  });

  test("a duplicate name is CONFLICT; the last shared layer cannot be deleted", async () => {
    const c = f.owner.client.dataLayers;
    await refused(
      () => c.create.mutate({ projectId: f.projectId, name: "main", kind: "shared" }),
      "CONFLICT",
      /already exists/,
    );
    await refused(() => c.delete.mutate({ dataLayerId: f.mainLayerId }), "CONFLICT", /last shared/);
    // with a second shared layer, Main can go
    const other = await c.create.mutate({ projectId: f.projectId, name: "Other", kind: "shared" });
    await c.delete.mutate({ dataLayerId: f.mainLayerId });
    await refused(() => c.delete.mutate({ dataLayerId: other.id }), "CONFLICT");
  });

  test("unknown layers are NOT_FOUND", async () => {
    await refused(() => f.owner.client.dataLayers.delete.mutate({ dataLayerId: 999_999 }), "NOT_FOUND");
    await refused(() => f.owner.client.dataLayers.list.query({ projectId: 999_999 }), "NOT_FOUND");
  });
});
