import { afterAll, beforeAll, expect, test } from "vitest";
import { countRows, createHarness, type Harness, nestedJson, projectWithKey } from "../../../test/harness";
import { rest } from "../../../test/rest";

let h: Harness;
let f: Awaited<ReturnType<typeof setup>>;

async function setup() {
  const k = await projectWithKey(h);
  const input = await k.owner.client.graph.createNode.mutate({
    projectId: k.project.id,
    name: "input",
    kind: "data",
  });
  return { ...k, input, api: rest(h, { bearer: k.token }) };
}

beforeAll(async () => {
  h = await createHarness();
  f = await setup();
});
afterAll(() => h.close());

const create = () => `/api/projects/${f.project.id}/nodes/${f.input.id}/packages`;
const search = (q = "") => `/api/projects/${f.project.id}/nodes/${f.input.id}/packages/search${q}`;

test("bad input is a 422 naming the field, never a 500, and writes nothing", async () => {
  const before = await countRows(h, "packages");
  const cases: [string, unknown, RegExp][] = [
    [create(), "{not json", /^body: is not valid JSON/],
    [create(), "[1,2]", /^body: must be a JSON object/],
    [create(), { label: 42 }, /^label:/],
    [create(), { fields: "text" }, /^fields:/],
    [create(), { fields: [{ value: 1 }] }, /^fields\.0:/],
    [create(), { label: "x".repeat(1025) }, /^label: must be at most 1 KiB/],
    [create(), { fields: { big: "x".repeat(300 * 1024) } }, /^fields: must be at most 256 KiB/],
    [create(), { files: "nope" }, /^files:/],
    [
      create(),
      { files: [{ name: "a", content_hash: "0".repeat(64) }] },
      /^files\.0\.contentHash: no uploaded object/,
    ],
    [`${create()}?data_layer_id=abc`, {}, /^data_layer_id: must be a positive integer/],
    [search("?page_size=0"), {}, /^page_size: must be between 1 and 100/],
    [search("?page_size=101"), {}, /^page_size: must be between 1 and 100/],
    [search("?page=0"), {}, /^page: must be a positive integer/],
    [search(), { master_id: "1" }, /^master_id:/],
  ];
  for (const [path, body, message] of cases) {
    const res = await f.api.post(path, body);
    expect(res.status, `${path} ${JSON.stringify(body).slice(0, 60)}`).toBe(422);
    expect(res.body.detail).toMatch(message);
  }
  expect(await countRows(h, "packages")).toBe(before);
});

test("what jsonb cannot store, as Python's json.dumps writes it, is a 422 naming the field", async () => {
  const before = await countRows(h, "packages");
  // raw text: "\ud800" is a lone surrogate escaped, exactly what json.dumps sends
  const cases: [string, RegExp][] = [
    ['{"fields": {"s": "\\ud800"}}', /^fields: must not contain unpaired UTF-16 surrogates/],
    ['{"fields": {"\\udc00": 1}}', /^fields: keys must not contain unpaired/],
    ['{"felds": [{"name": "s", "value": "\\u0000"}]}', /^fields: must not contain NUL/],
    ['{"label": "\\udbff"}', /^label: must not contain unpaired/],
    ['{"fields": {"n": 1e999}}', /^fields: must contain only finite numbers/],
  ];
  for (const [body, message] of cases) {
    const res = await f.api.post(create(), body);
    expect(res, body).toMatchObject({ status: 422, body: { detail: expect.stringMatching(message) } });
  }
  expect(await countRows(h, "packages")).toBe(before);
});

test("a body nested deeper than 64 levels is a 422, and the node's package list keeps working", async () => {
  const before = await countRows(h, "packages");
  // 5 000 deep is a 10 KB body that overflowed the stack; 3 000 deep was stored and broke search
  for (const depth of [5000, 3000, 64]) {
    const res = await f.api.post(create(), `{"fields": ${nestedJson(depth, '{"a":', "}")}}`);
    expect(res).toMatchObject({
      status: 422,
      body: { detail: "body: is nested too deeply (at most 64 levels)" },
    });
  }
  expect(await countRows(h, "packages")).toBe(before);
  // as deep as the body allows (the body is the 63rd level): stored and listed back
  const deepest = await f.api.post(create(), `{"fields": ${nestedJson(62, '{"a":', "}")}}`);
  expect(deepest.status).toBe(200);
  const page = await f.api.post(search(), {});
  expect(page.status).toBe(200);
  expect(page.body.items.map((p: { id: number }) => p.id)).toContain(deepest.body.id);
});

test("ids of 2³¹ in the path, query and body are a 422 naming the field", async () => {
  const tooBig = 2 ** 31;
  const cases: [string, unknown, RegExp][] = [
    [search(), { master_id: tooBig }, /^master_id: must be at most 2147483647/],
    [search(), { data_layer_id: tooBig }, /^data_layer_id: must be at most/],
    [create(), { data_layer_id: tooBig }, /^data_layer_id: must be at most/],
    [`${create()}?data_layer_id=${tooBig}`, {}, /^data_layer_id: must be at most/],
    [search(`?page=${tooBig}`), {}, /^page: must be at most/],
    [`/api/projects/${tooBig}/nodes/${f.input.id}/packages`, {}, /^projectId: must be at most/],
    [`/api/projects/${f.project.id}/nodes/${tooBig}/packages/search`, {}, /^nodeId: must be at most/],
  ];
  for (const [path, body, message] of cases) {
    const res = await f.api.post(path, body);
    expect(res, path).toMatchObject({ status: 422, body: { detail: expect.stringMatching(message) } });
  }
  const res = await f.api.get(`/api/projects/${f.project.id}/nodes/${f.input.id}/packages/${tooBig}`);
  expect(res).toMatchObject({
    status: 422,
    body: { detail: expect.stringMatching(/^packageId: must be at most/) },
  });
});

test("a body that is not application/json is refused", async () => {
  const res = await f.api.post(create(), "label=x", { "content-type": "application/x-www-form-urlencoded" });
  expect(res).toMatchObject({ status: 422, body: { detail: "body: Content-Type must be application/json" } });
});

test("an oversized body is refused with 413 before parsing, and writes nothing", async () => {
  const before = await countRows(h, "packages");
  const res = await f.api.post(create(), JSON.stringify({ label: "x", pad: "y".repeat(1_100_000) }));
  expect(res).toMatchObject({ status: 413, body: { detail: "body: must be at most 1 MiB" } });
  expect(await countRows(h, "packages")).toBe(before);
});

test("unknown ids and routes answer 404 with a detail", async () => {
  expect((await f.api.get(`/api/projects/${f.project.id}/nodes/${f.input.id}/packages/999999`)).status).toBe(
    404,
  );
  expect((await f.api.get("/api/nowhere")).body).toEqual({ detail: "Not found" });
  expect((await f.api.get(`/api/projects/99999999999/data_layers`)).status).toBe(422);
});

test("a rate-limited template answers 429 with Retry-After and X-RateLimit headers", async () => {
  const k = await projectWithKey(h, { templateName: "Limited" });
  await k.owner.client.apiKeys.updateTemplate.mutate({ templateId: k.template.id, rateLimitPerMinute: 3 });
  const api = rest(h, { bearer: k.token });
  const path = `/api/projects/${k.project.id}/data_layers/last`;
  const statuses = [];
  let last = await api.get(path);
  statuses.push(last.status);
  for (let i = 0; i < 3; i++) {
    last = await api.get(path);
    statuses.push(last.status);
  }
  expect(statuses).toEqual([200, 200, 200, 429]);
  expect(last.headers.get("retry-after")).toMatch(/^\d+$/);
  expect(last.headers.get("x-ratelimit-limit")).toBe("3");
  expect(last.headers.get("x-ratelimit-remaining")).toBe("0");
  expect(last.body.detail).toMatch(/Rate limit of 3 requests per minute/);
});
