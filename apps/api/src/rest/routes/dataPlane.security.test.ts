import { generateToken } from "@keyflow/core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { countRows, createHarness, type Harness, projectWithKey } from "../../../test/harness";
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
  const other = await k.owner.client.projects.create.mutate({ name: "Other project" });
  const otherNode = await k.owner.client.graph.createNode.mutate({
    projectId: other.id,
    name: "secret",
    kind: "data",
  });
  return { ...k, input, other, otherNode, api: rest(h, { bearer: k.token }) };
}

beforeAll(async () => {
  h = await createHarness();
  f = await setup();
});
afterAll(() => h.close());

const layersPath = () => `/api/projects/${f.project.id}/data_layers`;

describe("tokens", () => {
  test("malformed, truncated, wrong-checksum and unknown tokens are 401 with a clear detail", async () => {
    const last = f.token.at(-1) === "A" ? "B" : "A";
    const cases: [string, string][] = [
      ["not-a-token", "Malformed API key"],
      [f.token.slice(0, -1), "Malformed API key"],
      [f.token.slice(0, -1) + last, "Malformed API key"],
      [generateToken(), "Unknown API key"],
    ];
    for (const [token, message] of cases) {
      const res = await rest(h, { bearer: token }).get(layersPath());
      expect(res.status, token).toBe(401);
      expect(res.body).toEqual({ detail: message });
    }
    const basic = await rest(h, { authorization: "Basic dXNlcjpwYXNz" }).get(layersPath());
    expect(basic.status).toBe(401);
  });

  test("an invalid bearer never falls back to the session cookie", async () => {
    const res = await rest(h, { bearer: generateToken(), cookiesOf: f.owner.client }).get(layersPath());
    expect(res.status).toBe(401);
  });

  test("an expired key is 401 API key expired", async () => {
    const k = await projectWithKey(h, { templateName: "Short-lived" });
    await h.db
      .updateTable("api_keys")
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where("id", "=", k.keyId)
      .execute();
    const res = await rest(h, { bearer: k.token }).get(`/api/projects/${k.project.id}/data_layers`);
    expect(res).toMatchObject({ status: 401, body: { detail: "API key expired" } });
  });

  test("a revoked key is refused on the very next call, also when it was cached", async () => {
    const k = await projectWithKey(h, { templateName: "Revocable" });
    const api = rest(h, { bearer: k.token });
    expect((await api.get(`/api/projects/${k.project.id}/data_layers`)).status).toBe(200);
    await k.owner.client.apiKeys.revoke.mutate({ keyId: k.keyId });
    expect(await api.get(`/api/projects/${k.project.id}/data_layers`)).toMatchObject({
      status: 401,
      body: { detail: "API key revoked" },
    });
    // the holder may ask again at once
    const again = await k.holder.client.apiKeys.request.mutate({ templateId: k.template.id });
    expect(again.status).toBe("pending");
  });

  test("changing the template's role changes what existing keys may do", async () => {
    const k = await projectWithKey(h, { templateName: "Role change" });
    const node = await k.owner.client.graph.createNode.mutate({
      projectId: k.project.id,
      name: "n",
      kind: "data",
    });
    const api = rest(h, { bearer: k.token });
    expect(
      (await api.post(`/api/projects/${k.project.id}/nodes/${node.id}/packages`, { label: "a" })).status,
    ).toBe(200);
    await k.owner.client.roles.update.mutate({
      roleId: k.role.id,
      permissions: { project: ["project_view", "package_view"], nodes: {} },
    });
    const refused = await api.post(`/api/projects/${k.project.id}/nodes/${node.id}/packages`, { label: "b" });
    expect(refused).toMatchObject({ status: 403, body: { detail: expect.stringMatching(/package_create/) } });
  });

  test("the token never appears in responses other than reveal", async () => {
    const res = await f.api.get(layersPath());
    expect(JSON.stringify(res.body)).not.toContain(f.token);
    const about = await f.holder.client.projects.about.query({ projectId: f.project.id });
    expect(JSON.stringify(about)).not.toContain(f.token);
  });
});

describe("scope of a key", () => {
  test("another project's ids answer 404, as if they did not exist", async () => {
    const before = await countRows(h, "packages");
    expect((await f.api.get(`/api/projects/${f.other.id}/data_layers`)).status).toBe(404);
    expect(
      (await f.api.post(`/api/projects/${f.other.id}/nodes/${f.otherNode.id}/packages`, { label: "x" }))
        .status,
    ).toBe(404);
    // a node of another project under this project's id
    expect(
      (await f.api.post(`/api/projects/${f.project.id}/nodes/${f.otherNode.id}/packages`, { label: "x" }))
        .status,
    ).toBe(404);
    expect(await countRows(h, "packages")).toBe(before);
  });

  test("layers of other users are invisible to a key", async () => {
    const ownerLayers = await f.owner.client.dataLayers.list.query({ projectId: f.project.id });
    const shared = ownerLayers.find((l) => l.kind === "shared")!;
    const res = await f.api.post(
      `/api/projects/${f.project.id}/nodes/${f.input.id}/packages/search?data_layer_id=${shared.id}`,
      {},
    );
    expect(res.status).toBe(404);
    const other = await projectWithKey(h, { templateName: "Neighbour" });
    const theirLayer = (
      await rest(h, { bearer: other.token }).get(`/api/projects/${other.project.id}/data_layers/last`)
    ).body;
    const cross = await f.api.post(
      `/api/projects/${f.project.id}/nodes/${f.input.id}/packages?data_layer_id=${theirLayer.id}`,
      { label: "x" },
    );
    expect(cross.status).toBe(404);
  });

  test("a key is refused on tRPC", async () => {
    const res = await h.app.request("/trpc/projects.list", {
      headers: { authorization: `Bearer ${f.token}` },
    });
    expect(res.status).toBe(401);
  });
});

describe("signed-out callers", () => {
  test("without credentials a private project's data plane answers 401, not 404", async () => {
    const res = await rest(h).get(`/api/projects/${f.other.id}/data_layers`);
    expect(res).toMatchObject({ status: 401, body: { detail: expect.any(String) } });
  });

  test("a signed URL stops working once the key is revoked", async () => {
    const k = await projectWithKey(h, { templateName: "Files" });
    const node = await k.owner.client.graph.createNode.mutate({
      projectId: k.project.id,
      name: "files",
      kind: "data",
    });
    const api = rest(h, { bearer: k.token });
    const { createHash } = await import("node:crypto");
    const bytes = Buffer.from("secret bytes");
    const hash = createHash("sha256").update(bytes).digest("hex");
    const url = (await api.put(`/api/projects/${k.project.id}/objects/${hash}`)).body as string;
    await h.app.request(url.replace("http://localhost:3000", ""), { method: "PUT", body: bytes });
    const pkg = (
      await api.post(`/api/projects/${k.project.id}/nodes/${node.id}/packages`, {
        files: [{ name: "s.bin", content_hash: hash }],
      })
    ).body;
    const [file] = (await api.get(`/api/projects/${k.project.id}/nodes/${node.id}/packages/${pkg.id}/files`))
      .body;
    expect((await h.app.request(file.content.replace("http://localhost:3000", ""))).status).toBe(200);
    await k.holder.client.apiKeys.revoke.mutate({ keyId: k.keyId });
    expect((await h.app.request(file.content.replace("http://localhost:3000", ""))).status).toBe(401);
    const tampered = file.content.replace(/sig=[^&]+/, "sig=AAAA");
    expect((await h.app.request(tampered.replace("http://localhost:3000", ""))).status).toBe(403);
  });
});
