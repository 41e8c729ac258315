import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createHarness, type Harness, linkedService, projectWithKey } from "../../../test/harness";
import { rest } from "../../../test/rest";

let h: Harness;
let f: Awaited<ReturnType<typeof setup>>;

/** The seed's service: input data node → output data node, and a key holder. */
async function setup() {
  const k = await linkedService(h, { price: "0.5" });
  return { ...k, api: rest(h, { bearer: k.token }) };
}

beforeAll(async () => {
  h = await createHarness();
  f = await setup();
});
afterAll(() => h.close());

describe("REST data plane with an API key", () => {
  test("data_layers lists only the key's personal layer; last returns it", async () => {
    const layers = await f.api.get(`/api/projects/${f.project.id}/data_layers`);
    expect(layers.status).toBe(200);
    expect(layers.body).toEqual([
      { id: expect.any(Number), name: "Holder · Doubler", kind: "personal", owner_id: f.holder.user.id },
    ]);
    const last = await f.api.get(`/api/projects/${f.project.id}/data_layers/last`);
    expect(last.body).toEqual(layers.body[0]);
  });

  test("a package posted to the input node is found on the output node by its master_id", async () => {
    const layer = (await f.api.get(`/api/projects/${f.project.id}/data_layers/last`)).body;
    const created = await f.api.post(
      `/api/projects/${f.project.id}/nodes/${f.input.id}/packages?data_layer_id=${layer.id}`,
      {
        label: "job-1",
        fields: { x: 21 },
      },
    );
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      label: "job-1",
      fields: [{ name: "x", value: 21 }],
      node_id: f.input.id,
      data_layer_id: layer.id,
    });
    expect(created.body.master_id).toBe(created.body.id);

    const found = await f.api.post(
      `/api/projects/${f.project.id}/nodes/${f.output.id}/packages/search?data_layer_id=${layer.id}&page=1&page_size=10`,
      {
        master_id: created.body.id,
      },
    );
    expect(found.status).toBe(200);
    expect(found.body.total).toBe(1);
    expect(found.body.items[0]).toMatchObject({
      master_id: created.body.id,
      parent_id: created.body.id,
      node_id: f.output.id,
      fields: [{ name: "x", value: 21 }],
    });

    const one = await f.api.get(
      `/api/projects/${f.project.id}/nodes/${f.output.id}/packages/${found.body.items[0].id}`,
    );
    expect(one.body).toEqual(found.body.items[0]);
  });

  test("the RnDFlow client's quirks: data_layer_id in the body, misspelt felds, unknown keys ignored, fields as a list", async () => {
    const layer = (await f.api.get(`/api/projects/${f.project.id}/data_layers/last`)).body;
    const a = await f.api.post(`/api/projects/${f.project.id}/nodes/${f.input.id}/packages`, {
      label: "quirky",
      felds: { y: 1 },
      data_layer_id: layer.id,
      whatever: true,
    });
    expect(a.status).toBe(200);
    expect(a.body.fields).toEqual([{ name: "y", value: 1 }]);
    const b = await f.api.post(`/api/projects/${f.project.id}/nodes/${f.input.id}/packages`, {
      fields: [{ name: "z", value: "s" }],
    });
    expect(b.status).toBe(200);
    expect(b.body).toMatchObject({ data_layer_id: layer.id, fields: [{ name: "z", value: "s" }] });
  });

  test("files: upload by hash, attach to a package, download through the signed URL without Authorization", async () => {
    const bytes = Buffer.from("hello keyflow\n");
    const { createHash } = await import("node:crypto");
    const hash = createHash("sha256").update(bytes).digest("hex");
    const prepared = await f.api.put(`/api/projects/${f.project.id}/objects/${hash}`);
    expect(prepared.status).toBe(200);
    expect(prepared.body).toMatch(/^http:\/\/localhost:3000\/api\/uploads\//);
    const upload = await h.app.request(prepared.body.replace("http://localhost:3000", ""), {
      method: "PUT",
      body: bytes,
    });
    expect(upload.status).toBe(200);
    expect((await f.api.put(`/api/projects/${f.project.id}/objects/${hash}`)).body).toBeNull();

    const pkg = await f.api.post(`/api/projects/${f.project.id}/nodes/${f.input.id}/packages`, {
      label: "with file",
      files: [{ name: "greeting.txt", content_hash: hash, type: "file", is_executable: false }],
    });
    expect(pkg.status).toBe(200);
    const files = await f.api.get(
      `/api/projects/${f.project.id}/nodes/${f.input.id}/packages/${pkg.body.id}/files`,
    );
    expect(files.body).toEqual([
      {
        name: "greeting.txt",
        content: expect.stringMatching(/^http:\/\/localhost:3000\/api\/files\//),
        content_hash: hash,
        size: bytes.length,
        type: "file",
        is_executable: false,
      },
    ]);
    const download = await h.app.request(files.body[0].content.replace("http://localhost:3000", ""));
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).toString()).toBe("hello keyflow\n");
  });

  test("the owner's session reads key holders' personal layers but cannot write to them", async () => {
    const ownerApi = rest(h, { cookiesOf: f.owner.client });
    const layers = (await ownerApi.get(`/api/projects/${f.project.id}/data_layers`)).body as {
      id: number;
      kind: string;
    }[];
    const personal = layers.find((l) => l.kind === "personal")!;
    const search = await ownerApi.post(
      `/api/projects/${f.project.id}/nodes/${f.input.id}/packages/search?data_layer_id=${personal.id}`,
      {},
    );
    expect(search.status).toBe(200);
    expect(search.body.total).toBeGreaterThan(0);
    const write = await ownerApi.post(
      `/api/projects/${f.project.id}/nodes/${f.input.id}/packages?data_layer_id=${personal.id}`,
      { label: "x" },
    );
    expect(write.status).toBe(403);
  });

  test("N requests with the key show as N in apiKeys.issued with cost N × price", async () => {
    const fresh = await projectWithKey(h, { templateName: "Counted", price: "0.25" });
    const api = rest(h, { bearer: fresh.token });
    const n = 7;
    for (let i = 0; i < n; i++)
      expect((await api.get(`/api/projects/${fresh.project.id}/data_layers/last`)).status).toBe(200);
    // a refused call counts as a request but costs nothing
    expect((await api.get(`/api/projects/${fresh.project.id + 100_000}/data_layers`)).status).toBe(404);
    await h.app.services.usage.flush();
    const issued = await fresh.owner.client.apiKeys.issued.query({
      projectId: fresh.project.id,
      from: new Date(Date.now() - 3_600_000),
      to: new Date(Date.now() + 60_000),
    });
    expect(issued.rows).toEqual([
      expect.objectContaining({
        keyId: fresh.keyId,
        requests: n + 1,
        errors: 1,
        cost: "1.75",
        state: "active",
      }),
    ]);
    expect(issued.rows[0]?.lastUsedAt).toBeInstanceOf(Date);
    // events name the route template, never the concrete URL or the token
    const routes = await h.db
      .selectFrom("usage_events")
      .select(["route", "outcome"])
      .distinct()
      .where("key_id", "=", fresh.keyId)
      .execute();
    expect(routes).toEqual(
      expect.arrayContaining([
        { route: "/api/projects/:projectId/data_layers/last", outcome: "ok" },
        { route: "/api/projects/:projectId/data_layers", outcome: "client_error" },
      ]),
    );
  });
});
