import { MAX_ID } from "@keyflow/schemas";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { snapshot } from "../../test/graphFixtures";
import {
  createHarness,
  expectTrpcError,
  type Harness,
  nestedJson,
  PASSWORD,
  projectWithKey,
  publicService,
  rawTrpc,
  trpcProcedures,
} from "../../test/harness";

// Hostile input on the tRPC transport: every refusal is a BAD_REQUEST naming the field (or the
// input), written in our words, with nothing stored — never a 500, never an internal message.

let h: Harness;
let f: Awaited<ReturnType<typeof setup>>;

async function setup() {
  const k = await projectWithKey(h);
  const c = k.owner.client;
  const node = await c.graph.createNode.mutate({ projectId: k.project.id, name: "Input", kind: "data" });
  const target = await c.graph.createNode.mutate({ projectId: k.project.id, name: "Output", kind: "data" });
  const [layer] = await c.dataLayers.list.query({ projectId: k.project.id });
  // a pending request to reject
  const shop = await publicService(h, ["Plain"]);
  const asker = await h.user("Asker");
  const pending = await asker.client.apiKeys.request.mutate({ templateId: shop.templates[0]!.id });
  return { ...k, c, node, target, layerId: layer!.id, shop, pending };
}

beforeAll(async () => {
  h = await createHarness();
  f = await setup();
});
afterAll(() => h.close());

const TABLES = [
  "users",
  "projects",
  "nodes",
  "node_files",
  "links",
  "packages",
  "api_key_templates",
  "key_requests",
  "secrets",
  "audit_log",
] as const;

describe("text PostgreSQL cannot store", () => {
  test("NUL and lone surrogates are BAD_REQUEST naming the field, and nothing is written", async () => {
    const { c, project, node, target, template, layerId } = f;
    const signedOut = h.client();
    const cases: [string, () => Promise<unknown>][] = [
      ["name", () => c.projects.update.mutate({ projectId: project.id, name: "Lone \ud800" })],
      ["description", () => c.projects.create.mutate({ name: "P", description: "a\0b" })],
      [
        "description",
        () => c.apiKeys.updateTemplate.mutate({ templateId: template.id, description: "\udc00" }),
      ],
      ["value", () => c.apiKeys.addField.mutate({ templateId: template.id, name: "f", value: "\ud83d" })],
      ["message", () => f.holder.client.apiKeys.request.mutate({ templateId: template.id, message: "\0" })],
      [
        "reason",
        () => f.shop.owner.client.apiKeys.reject.mutate({ requestId: f.pending.id, reason: "\ud800" }),
      ],
      ["name", () => c.graph.createNode.mutate({ projectId: project.id, name: "N\0", kind: "data" })],
      ["path", () => c.graph.deleteFile.mutate({ nodeId: node.id, path: "main\ud800.py" })],
      ["path", () => c.graph.putFile.mutate({ nodeId: node.id, path: "a\udfff", content: "x" })],
      ["content", () => c.graph.putFile.mutate({ nodeId: node.id, path: "a.txt", content: "\ud800" })],
      [
        "labelFilter",
        () =>
          c.graph.createLink.mutate({
            projectId: project.id,
            fromNodeId: node.id,
            toNodeId: target.id,
            labelFilter: "\udbff",
          }),
      ],
      ["label", () => c.packages.create.mutate({ nodeId: node.id, dataLayerId: layerId, label: "\0" })],
      // Python's json.dumps writes a lone surrogate as "\ud800": jsonb refuses it
      [
        "fields",
        () => c.packages.create.mutate({ nodeId: node.id, dataLayerId: layerId, fields: { s: "\ud800" } }),
      ],
      [
        "fields",
        () => c.packages.create.mutate({ nodeId: node.id, dataLayerId: layerId, fields: { "\0": 1 } }),
      ],
      ["value", () => c.secrets.create.mutate({ projectId: project.id, name: "s", value: "\udc00" })],
      [
        "timeZone",
        () =>
          c.usage.series.query({
            projectId: project.id,
            from: new Date(Date.now() - 86_400_000),
            to: new Date(),
            bucket: "day",
            timeZone: "Europe/Berlin\0",
          }),
      ],
      // signed out, too
      [
        "password",
        () =>
          signedOut.auth.signUp.mutate({ email: "nul@example.com", password: `${PASSWORD}\0`, name: "N" }),
      ],
      [
        "name",
        () => signedOut.auth.signUp.mutate({ email: "sur@example.com", password: PASSWORD, name: "\ud800" }),
      ],
      ["password", () => signedOut.auth.signIn.mutate({ email: f.owner.email, password: "\udc00" })],
    ];
    const before = await snapshot(h, [...TABLES]);
    for (const [field, call] of cases) {
      await expectTrpcError(call(), "BAD_REQUEST", new RegExp(`^${field}: .*(NUL|surrogate)`));
    }
    expect(await snapshot(h, [...TABLES])).toEqual(before);
  });
});

describe("numbers and dates out of range", () => {
  test("an id of 2³¹ is BAD_REQUEST on every procedure that takes one", async () => {
    let checked = 0;
    for (const p of trpcProcedures()) {
      const idKeys = p.keys.filter((k) => /Id$/.test(k));
      for (const key of idKeys) {
        const ids = Object.fromEntries(idKeys.map((k) => [k, 1]));
        const body = JSON.stringify(superjson.serialize({ ...ids, [key]: MAX_ID + 1 }));
        const method = p.type === "query" ? "GET" : "POST";
        const res = await rawTrpc(h, p.path, { method, body, cookiesOf: f.owner.client });
        expect(res.status, `${p.path} ${key}`).toBe(400);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
  });

  test("a role's node keys of 2³¹ or junk are BAD_REQUEST naming the record, not echoing the key", async () => {
    for (const key of [String(MAX_ID + 1), "0", "abc", "\0".repeat(3), "9".repeat(5000)]) {
      await expectTrpcError(
        f.c.roles.create.mutate({
          projectId: f.project.id,
          name: "Nodes",
          permissions: { project: ["project_view"], nodes: { [key]: ["code_view"] } },
        }),
        "BAD_REQUEST",
        /^permissions\.nodes: keys must be node ids$/,
      );
    }
  });

  test("superjson dates outside PostgreSQL's range, and invalid ones, are BAD_REQUEST naming the field", async () => {
    const { c, project } = f;
    const farPast = new Date(-8.64e15); // year −271821
    const farFuture = new Date(8.64e15);
    await expectTrpcError(
      c.usage.series.query({ projectId: project.id, from: farPast, to: new Date(), bucket: "day" }),
      "BAD_REQUEST",
      /^from:/,
    );
    await expectTrpcError(
      c.apiKeys.issued.query({ projectId: project.id, from: farPast, to: new Date() }),
      "BAD_REQUEST",
      /^from:/,
    );
    await expectTrpcError(
      c.apiKeys.issued.query({ projectId: project.id, from: new Date(), to: farFuture }),
      "BAD_REQUEST",
      /^to:/,
    );
    // the client's superjson writes an invalid Date as null; a hand-written one says "Date"
    const invalid = {
      json: { projectId: project.id, from: "not a date", to: new Date().toISOString(), bucket: "hour" },
      meta: { values: { from: ["Date"], to: ["Date"] } },
    };
    const res = await rawTrpc(h, "usage.series", {
      method: "GET",
      body: JSON.stringify(invalid),
      cookiesOf: c,
    });
    expect(res).toMatchObject({ status: 400, message: "from: must be a date" });
  });
});

describe("deep and malformed input", () => {
  test("an input nested 20 000 deep is 'input: is nested too deeply', not a stack overflow", async () => {
    const body = `{"json": {"projectId": ${nestedJson(20_000)}}}`;
    for (const [path, method] of [
      ["projects.get", "GET"],
      ["projects.update", "POST"],
    ] as const) {
      const res = await rawTrpc(h, path, { method, body, cookiesOf: f.owner.client });
      expect(res).toMatchObject({
        status: 400,
        code: "BAD_REQUEST",
        message: "input: is nested too deeply (at most 64 levels)",
      });
    }
  });

  test("package fields nested 3 000 or 5 000 deep are refused, so the package list keeps working", async () => {
    const { node, layerId } = f;
    const before = await snapshot(h, ["packages"]);
    for (const depth of [3000, 5000]) {
      const fields = nestedJson(depth, '{"a":', "}");
      const body = `{"json": {"nodeId": ${node.id}, "dataLayerId": ${layerId}, "fields": ${fields}}}`;
      const res = await rawTrpc(h, "packages.create", { body, cookiesOf: f.owner.client });
      expect(res).toMatchObject({ status: 400, message: "input: is nested too deeply (at most 64 levels)" });
    }
    expect(await snapshot(h, ["packages"])).toEqual(before);
    // as deep as the limit allows: stored, and listed back
    let deep: unknown = "leaf";
    for (let i = 0; i < 60; i++) deep = { a: deep };
    await f.c.packages.create.mutate({ nodeId: node.id, dataLayerId: layerId, fields: { deep } });
    const page = await f.c.packages.search.query({ nodeId: node.id, dataLayerId: layerId });
    expect(page.items[0]?.fields).toEqual([{ name: "deep", value: deep }]);
  });

  test("JSON and superjson that cannot be read answer our words, not the parser's", async () => {
    const broken = await rawTrpc(h, "projects.update", {
      body: '{"json": {"projectId": 1',
      cookiesOf: f.owner.client,
    });
    expect(broken).toMatchObject({ status: 400, message: "input: is not valid JSON" });
    const foreign = await rawTrpc(h, "projects.update", {
      body: '{"json": {"projectId": 1}, "meta": {"values": {"projectId": ["custom", "Evil"]}}}',
      cookiesOf: f.owner.client,
    });
    expect(foreign).toMatchObject({ status: 400, message: "input: is not valid superjson" });
  });

  test("a superjson BigInt, Map or NaN in package fields is refused as not JSON", async () => {
    const { c, node, layerId } = f;
    const create = (fields: Record<string, unknown>) =>
      c.packages.create.mutate({ nodeId: node.id, dataLayerId: layerId, fields });
    await expectTrpcError(create({ a: 2n ** 70n }), "BAD_REQUEST", /^fields: must contain only JSON values/);
    await expectTrpcError(create({ a: new Map([[1, 2]]) }), "BAD_REQUEST", /^fields: must contain only JSON/);
    await expectTrpcError(
      create({ a: Number.NaN }),
      "BAD_REQUEST",
      /^fields: must contain only finite numbers/,
    );
  });

  test("a body over 8 MiB is PAYLOAD_TOO_LARGE before it is read", async () => {
    await expectTrpcError(
      f.c.graph.putFile.mutate({ nodeId: f.node.id, path: "big.txt", content: "\u0001".repeat(1_500_000) }),
      "PAYLOAD_TOO_LARGE",
      /^input: must be at most 8 MiB/,
    );
  });
});
