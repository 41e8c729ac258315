import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createHarness, type Harness, projectWithKey } from "./harness";
import { type ApiProcess, startApiProcess } from "./processes";

// Node's fetch (undici) keeps connections alive and reuses them, as the RnDFlow client's session does
let h: Harness;
let api: ApiProcess;
let k: Awaited<ReturnType<typeof projectWithKey>>;
let packagesPath: string;

beforeAll(async () => {
  h = await createHarness();
  api = await startApiProcess({ databaseUrl: h.database.url, secret: h.config.secret });
  k = await projectWithKey(h);
  const node = await k.owner.client.graph.createNode.mutate({
    projectId: k.project.id,
    name: "input",
    kind: "data",
  });
  packagesPath = `/api/projects/${k.project.id}/nodes/${node.id}/packages`;
});
afterAll(async () => {
  await api?.stop();
  await h?.close();
});

const MiB = 1024 * 1024;
const jsonOf = (bytes: number) => JSON.stringify({ label: "x", fields: { pad: "x".repeat(bytes - 40) } });

async function post(bearer: string, body: string) {
  const res = await fetch(`${api.url}${packagesPath}`, {
    method: "POST",
    headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
    body,
  });
  return { status: res.status, body: await res.json() };
}

/** A good call right after the refused one: it goes out on the connection the refusal came back on. */
async function goodCall() {
  const res = await fetch(`${api.url}/api/projects/${k.project.id}/data_layers/last`, {
    headers: { authorization: `Bearer ${k.token}` },
  });
  return { status: res.status, body: await res.json() };
}

describe("a refused request with a large unread body does not break the client's connection", () => {
  test("a 401 with a 1 MiB body, then good requests on the same keep-alive agent succeed", async () => {
    for (let i = 0; i < 5; i++) {
      expect(await post("kf_not-a-key", jsonOf(MiB))).toEqual({
        status: 401,
        body: { detail: "Malformed API key" },
      });
      expect((await goodCall()).status).toBe(200);
      expect((await goodCall()).status).toBe(200);
    }
  });

  test("a 413 for a 2 MiB body, then a good request succeeds", async () => {
    for (let i = 0; i < 3; i++) {
      expect(await post(k.token, jsonOf(2 * MiB))).toMatchObject({
        status: 413,
        body: { detail: expect.any(String) },
      });
      expect((await goodCall()).status).toBe(200);
    }
  });

  test("a body too large to read is answered with Connection: close, and the next request opens a new connection", async () => {
    const res = await fetch(`${api.url}${packagesPath}`, {
      method: "POST",
      headers: { authorization: "Bearer kf_not-a-key", "content-type": "application/json" },
      body: jsonOf(16 * MiB),
    });
    expect(res.status).toBe(413);
    expect(res.headers.get("connection")).toBe("close");
    expect(await res.json()).toEqual({ detail: expect.stringMatching(/at most 1 MiB/) });
    expect((await goodCall()).status).toBe(200);
  });
});
