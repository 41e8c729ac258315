import { afterAll, beforeAll, expect, test } from "vitest";
import { countRows, createHarness, expectTrpcError, type Harness } from "../../../test/harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

test("bad input is BAD_REQUEST naming the field, and nothing is written", async () => {
  const owner = await h.user("Owner");
  const p = await owner.client.projects.create.mutate({ name: "Audited" });
  const before = await countRows(h, "audit_log");
  const list = owner.client.audit.list;
  await expectTrpcError(list.query({ projectId: 2147483648 }), "BAD_REQUEST", /^projectId:/);
  await expectTrpcError(list.query({ projectId: 0 }), "BAD_REQUEST", /^projectId:/);
  await expectTrpcError(list.query({ projectId: p.id, page: 0 }), "BAD_REQUEST", /^page:/);
  await expectTrpcError(list.query({ projectId: p.id, page: 10_001 }), "BAD_REQUEST", /^page:/);
  await expectTrpcError(list.query({ projectId: p.id, page: 1.5 }), "BAD_REQUEST", /^page:/);
  await expectTrpcError(
    list.query({ projectId: String(p.id) } as unknown as { projectId: number }),
    "BAD_REQUEST",
    /^projectId:/,
  );
  expect(await countRows(h, "audit_log")).toBe(before);
});

test("a deleted project's log is NOT_FOUND, even for its owner", async () => {
  const owner = await h.user("Owner");
  const p = await owner.client.projects.create.mutate({ name: "Gone" });
  await owner.client.projects.delete.mutate({ projectId: p.id });
  await expectTrpcError(owner.client.audit.list.query({ projectId: p.id }), "NOT_FOUND", /Project not found/);
  await expectTrpcError(owner.client.audit.list.query({ projectId: 2147483647 }), "NOT_FOUND");
});

test("a filter that is not an audit action or a user id is BAD_REQUEST naming it", async () => {
  const owner = await h.user("Owner");
  const p = await owner.client.projects.create.mutate({ name: "Filtered" });
  const list = owner.client.audit.list;
  type Input = Parameters<typeof list.query>[0];
  await expectTrpcError(
    list.query({ projectId: p.id, action: "key.steal" } as unknown as Input),
    "BAD_REQUEST",
    /^action: must be one of the audit actions/,
  );
  await expectTrpcError(
    list.query({ projectId: p.id, action: "" } as unknown as Input),
    "BAD_REQUEST",
    /^action:/,
  );
  await expectTrpcError(list.query({ projectId: p.id, actorId: 0 }), "BAD_REQUEST", /^actorId:/);
  await expectTrpcError(list.query({ projectId: p.id, actorId: 2147483648 }), "BAD_REQUEST", /^actorId:/);
  await expectTrpcError(
    list.query({ projectId: p.id, actorId: "1" } as unknown as Input),
    "BAD_REQUEST",
    /^actorId:/,
  );
});
