import { createHash, randomBytes } from "node:crypto";
import { generateToken } from "@keyflow/core";
import { Validator } from "@seriousme/openapi-schema-validator";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, expect, test } from "vitest";
import { APP_URL, createHarness, type Harness, linkedService } from "../../test/harness";
import { type RestResponse, rest } from "../../test/rest";

interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: object }> }>;
}
interface Call {
  path: string;
  body?: unknown;
  /** signed URLs carry their own credentials */
  signed?: boolean;
}

let h: Harness;
let f: Awaited<ReturnType<typeof serviceFixture>>;
let paths: Record<string, Record<string, Operation>>;

/** A service project (input → output, a key holder) with an uploaded object and a package holding it. */
async function serviceFixture() {
  const k = await linkedService(h);
  const api = rest(h, { bearer: k.token });
  const stored = await upload(api, k.project.id);
  const pkg = await api.post(`/api/projects/${k.project.id}/nodes/${k.input.id}/packages`, {
    label: "walked",
    fields: { x: 1 },
    files: [{ name: "data.bin", content_hash: stored }],
  });
  expect(pkg.status).toBe(200);
  return { ...k, api, stored, packageId: pkg.body.id as number };
}

/** Fresh bytes through the client's two-step upload; returns their hash. */
async function upload(api: ReturnType<typeof rest>, projectId: number) {
  const { hash, bytes, url } = await uploadUrl(api, projectId);
  expect((await rest(h).put(url, bytes)).status).toBe(200);
  return hash;
}

async function uploadUrl(api: ReturnType<typeof rest>, projectId: number) {
  const bytes = randomBytes(32);
  const hash = createHash("sha256").update(bytes).digest("hex");
  const prepared = await api.put(`/api/projects/${projectId}/objects/${hash}`);
  expect(prepared.status).toBe(200);
  return { hash, bytes, url: prepared.body as string };
}

/** Fills a documented path template; every `{name}` must be given. */
function fill(template: string, values: Record<string, number | string>) {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    expect(values, `${template}: no value for ${name}`).toHaveProperty(name);
    return String(values[name]);
  });
}

/**
 * How to call each documented operation with valid input against the fixture. The walk fails when
 * the document lists an operation that is missing here (or one here is no longer documented).
 */
const validCalls: Record<string, (template: string) => Promise<Call> | Call> = {
  "GET /api/projects/{projectId}/data_layers": (t) => ({ path: fill(t, { projectId: f.project.id }) }),
  "GET /api/projects/{projectId}/data_layers/last": (t) => ({ path: fill(t, { projectId: f.project.id }) }),
  "POST /api/projects/{projectId}/nodes/{nodeId}/packages": (t) => ({
    path: fill(t, { projectId: f.project.id, nodeId: f.input.id }),
    body: {
      label: "one more",
      fields: [{ name: "x", value: 2 }],
      files: [{ name: "a", content_hash: f.stored }],
    },
  }),
  "POST /api/projects/{projectId}/nodes/{nodeId}/packages/search": (t) => ({
    path: `${fill(t, { projectId: f.project.id, nodeId: f.output.id })}?page=1&page_size=5`,
    body: { master_id: f.packageId },
  }),
  "GET /api/projects/{projectId}/nodes/{nodeId}/packages/{packageId}": (t) => ({
    path: fill(t, { projectId: f.project.id, nodeId: f.input.id, packageId: f.packageId }),
  }),
  "GET /api/projects/{projectId}/nodes/{nodeId}/packages/{packageId}/files": (t) => ({
    path: fill(t, { projectId: f.project.id, nodeId: f.input.id, packageId: f.packageId }),
  }),
  "PUT /api/projects/{projectId}/objects/{sha256}": (t) => ({
    path: fill(t, { projectId: f.project.id, sha256: createHash("sha256").update("new").digest("hex") }),
  }),
  "PUT /api/uploads/{sha256}": async (t) => {
    const { hash, bytes, url } = await uploadUrl(f.api, f.project.id);
    expect(url.split("?")[0]).toBe(`${APP_URL}${fill(t, { sha256: hash })}`);
    return { path: url, body: bytes, signed: true };
  },
  "GET /api/files/{sha256}": async (t) => {
    const files = await f.api.get(
      `/api/projects/${f.project.id}/nodes/${f.input.id}/packages/${f.packageId}/files`,
    );
    const url = files.body[0].content as string;
    expect(url.split("?")[0]).toBe(`${APP_URL}${fill(t, { sha256: f.stored })}`);
    return { path: url, signed: true };
  },
};

const ajv = addFormats(new Ajv2020({ allErrors: true }));

/** The status is one the operation lists, and a JSON body matches the schema listed for it. */
function expectDocumented(name: string, op: Operation, res: RestResponse) {
  const documented = op.responses[String(res.status)];
  expect(documented, `${name}: answered ${res.status}, not documented`).toBeDefined();
  const mediaType = res.headers.get("content-type")?.split(";")[0] ?? "";
  const content = documented?.content ?? {};
  expect(Object.keys(content), `${name}: ${res.status} as ${mediaType}`).toContain(mediaType);
  if (mediaType !== "application/json") return;
  const validate = ajv.compile(content[mediaType]?.schema ?? {});
  expect(
    validate(res.body) ? [] : validate.errors,
    `${name}: ${res.status} ${JSON.stringify(res.body)}`,
  ).toEqual([]);
}

function operations() {
  return Object.entries(paths).flatMap(([template, item]) =>
    Object.entries(item).map(([method, op]) => ({
      name: `${method.toUpperCase()} ${template}`,
      method,
      template,
      op,
    })),
  );
}

beforeAll(async () => {
  h = await createHarness();
  f = await serviceFixture();
  const res = await rest(h).get("/api/openapi.json");
  expect(res.status).toBe(200);
  const validator = new Validator();
  const result = await validator.validate(res.body);
  expect(result.errors ?? [], "a valid OpenAPI 3.1 document").toEqual([]);
  expect(validator.version).toBe("3.1");
  paths = validator.resolveRefs().paths as typeof paths;
});
afterAll(() => h.close());

test("the walk knows how to call exactly the documented operations", () => {
  expect(
    operations()
      .map((o) => o.name)
      .sort(),
  ).toEqual(Object.keys(validCalls).sort());
});

test("every documented operation answers a valid request with success, as its schema says", async () => {
  for (const { name, method, template, op } of operations()) {
    const call = await validCalls[name]!(template);
    const res = await rest(h, call.signed ? {} : { bearer: f.token }).call(
      method.toUpperCase(),
      call.path,
      call.body,
    );
    expect(res.status, `${name}: ${JSON.stringify(res.body)}`).toBe(200);
    expectDocumented(name, op, res);
  }
});

test("every documented operation refuses an unknown key with a documented 401 {detail}", async () => {
  const unknownKey = rest(h, { bearer: generateToken() });
  for (const { name, method, template, op } of operations()) {
    const call = await validCalls[name]!(template);
    const res = await unknownKey.call(method.toUpperCase(), call.path, call.body);
    expect(res.status, name).toBe(401);
    expectDocumented(name, op, res);
  }
});

test("the reference page lists every documented operation", async () => {
  const page = await h.app.request("/api/docs");
  expect(page.status).toBe(200);
  const html = await page.text();
  for (const { method, template } of operations())
    expect(html).toContain(`${method.toUpperCase()}</span> <code>${template}`);
});
