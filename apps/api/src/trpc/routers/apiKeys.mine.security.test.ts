import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createHarness, expectTrpcError, type Harness } from "../../../test/harness";
import { keyAndConsumer } from "../../../test/secretFixtures";

// `apiKeys.mine` shows the caller their own keys only, and imports only where they can still look.

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

describe("apiKeys.mine security", () => {
  test("without a session it is UNAUTHORIZED", async () => {
    await expectTrpcError(h.client().apiKeys.mine.query(), "UNAUTHORIZED");
  });

  test("another user's keys, and their imports, are never listed", async () => {
    const k = await keyAndConsumer(h);
    const other = await h.user("Other");
    // the other user holds a key of the same template and imports it into a project both manage
    const r = await other.client.apiKeys.request.mutate({ templateId: k.template.id });
    const { keyId: otherKey } = await k.owner.client.apiKeys.approve.mutate({ requestId: r.id });
    const manager = await k.holder.client.roles.create.mutate({
      projectId: k.consumer.id,
      name: "Manager",
      permissions: { project: ["project_view", "project_manage"], nodes: {} },
    });
    await k.holder.client.members.add.mutate({
      projectId: k.consumer.id,
      email: other.email,
      roleIds: [manager.id],
    });
    await other.client.secrets.importApiKey.mutate({
      projectId: k.consumer.id,
      keyId: otherKey,
      prefix: "theirs",
    });
    await k.holder.client.secrets.importApiKey.mutate({
      projectId: k.consumer.id,
      keyId: k.keyId,
      prefix: "mine",
    });

    const holders = await k.holder.client.apiKeys.mine.query();
    expect(holders.map((m) => m.id)).toEqual([k.keyId]);
    expect(holders[0]!.imports.map((i) => i.prefix)).toEqual(["mine"]);
    const others = await other.client.apiKeys.mine.query();
    expect(others.map((m) => m.id)).toEqual([otherKey]);
    expect(others[0]!.imports.map((i) => i.prefix)).toEqual(["theirs"]);
    // the owner of the key's project holds no key: managing its keys shows them nothing here
    expect(await k.owner.client.apiKeys.mine.query()).toEqual([]);
  });

  test("an import in a project the caller can no longer see is not shown", async () => {
    const k = await keyAndConsumer(h);
    // someone else's private project, where the holder was a manager and imported the key
    const boss = await h.user("Boss");
    const theirs = await boss.client.projects.create.mutate({ name: "Secret lab" });
    const manager = await boss.client.roles.create.mutate({
      projectId: theirs.id,
      name: "Manager",
      permissions: { project: ["project_view", "project_manage"], nodes: {} },
    });
    await boss.client.members.add.mutate({
      projectId: theirs.id,
      email: k.holder.email,
      roleIds: [manager.id],
    });
    await k.holder.client.secrets.importApiKey.mutate({
      projectId: theirs.id,
      keyId: k.keyId,
      prefix: "lab",
    });
    await k.holder.client.secrets.importApiKey.mutate({
      projectId: k.consumer.id,
      keyId: k.keyId,
      prefix: "own",
    });
    const before = await k.holder.client.apiKeys.mine.query();
    expect(before[0]!.imports.map((i) => [i.projectName, i.prefix])).toEqual([
      ["Consumer", "own"],
      ["Secret lab", "lab"],
    ]);

    await boss.client.members.remove.mutate({ projectId: theirs.id, userId: k.holder.user.id });
    const after = await k.holder.client.apiKeys.mine.query();
    expect(after[0]!.imports.map((i) => [i.projectName, i.prefix])).toEqual([["Consumer", "own"]]);
    expect(JSON.stringify(after)).not.toContain("Secret lab");

    // a view-only role there again shows the import, without the right to manage its secrets
    const viewer = await boss.client.roles.create.mutate({
      projectId: theirs.id,
      name: "Viewer",
      permissions: { project: ["project_view"], nodes: {} },
    });
    await boss.client.members.add.mutate({
      projectId: theirs.id,
      email: k.holder.email,
      roleIds: [viewer.id],
    });
    const again = await k.holder.client.apiKeys.mine.query();
    expect(again[0]!.imports.find((i) => i.prefix === "lab")).toMatchObject({
      projectName: "Secret lab",
      canManage: false,
    });
  });
});
