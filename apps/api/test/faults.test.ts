import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { apiKeys, graph, Keyring, projects, roles } from "@keyflow/core";
import { createDb, createPool, type Db, migrate, sql } from "@keyflow/db";
import { type EmbeddedServer, startEmbeddedPostgres } from "@keyflow/db/embedded";
import { createTestDatabase, type TestDatabase } from "@keyflow/db/testing";
import { createUser, TEST_PASSWORD, waitFor } from "@keyflow/testing";
import type pg from "pg";
import { afterAll, describe, expect, onTestFailed, test } from "vitest";
import { type ApiProcess, startApiProcess } from "./processes";

// Faults with real processes: an API process killed with SIGKILL under load, and PostgreSQL
// stopped under load. Deadlines are generous (a busy 2-core machine); every wait is for a state.

const SECRET = "fault-test-master-secret-0123456789abcdef";
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  // in reverse: API processes before the databases they use
  for (const cleanup of cleanups.reverse()) await cleanup().catch((e) => console.error("cleanup failed", e));
});

/** A service with a key (package rights) and an input node pushing to an output node, set up through core. */
async function serviceWithKey(db: Db) {
  const keyring = new Keyring(SECRET);
  const owner = await createUser(db, "Owner");
  const holder = await createUser(db, "Holder");
  const project = await projects.createProject(db, owner.as, { name: "Faults", isPublic: true });
  const role = await roles.createRole(db, owner.as, {
    projectId: project.id,
    name: "Key user",
    permissions: { project: ["project_view", "graph_view", "package_view", "package_create"], nodes: {} },
  });
  const template = await apiKeys.createTemplate(db, owner.as, {
    projectId: project.id,
    name: "Faults",
    roleId: role.id,
  });
  const request = await apiKeys.requestKey(db, holder.as, { templateId: template.id, message: "please" });
  const { keyId } = await apiKeys.approveRequest(db, owner.as, { requestId: request.id }, keyring);
  const { token } = await apiKeys.revealKey(db, holder.as, { keyId }, keyring);
  const input = await graph.createNode(db, owner.as, { projectId: project.id, name: "input", kind: "data" });
  const output = await graph.createNode(db, owner.as, {
    projectId: project.id,
    name: "output",
    kind: "data",
  });
  await graph.createLink(db, owner.as, { projectId: project.id, fromNodeId: input.id, toNodeId: output.id });
  return { owner, project, keyId, token, input, output };
}

type Service = Awaited<ReturnType<typeof serviceWithKey>>;

interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted below
  body: any;
  ms: number;
}

/** One call with the key; a request that gets no answer within `timeoutMs` rejects. */
async function call(
  api: ApiProcess,
  s: Service,
  method: "GET" | "POST",
  route: string,
  body?: unknown,
  timeoutMs = 15_000,
): Promise<Answer> {
  const started = Date.now();
  const res = await fetch(`${api.url}/api/projects/${s.project.id}${route}`, {
    method,
    headers: { authorization: `Bearer ${s.token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: kept as text, and the assertions below say so
  }
  return { status: res.status, body: parsed, ms: Date.now() - started };
}

const layerOf = async (api: ApiProcess, s: Service) => {
  const res = await call(api, s, "GET", "/data_layers/last");
  expect(res.status).toBe(200);
  return res.body.id as number;
};

describe("kill -9 of the API while 16 clients post packages", () => {
  let t: TestDatabase;

  test("every package answered 2xx exists and reached the output node; none exists that was not", async () => {
    t = await createTestDatabase();
    cleanups.push(() => t.destroy());
    const s = await serviceWithKey(t.db);
    const env = { databaseUrl: t.url, secret: SECRET };
    const first = await startApiProcess(env);
    cleanups.push(() => first.stop());
    const layerId = await layerOf(first, s);

    const answered2xx = new Map<string, number>(); // label → package id
    const answeredOther = new Set<string>();
    const unanswered = new Set<string>();
    const posts = `/nodes/${s.input.id}/packages?data_layer_id=${layerId}`;
    // each client posts until its first request without an answer (the kill), at most 300 times
    const clients = Array.from({ length: 16 }, async (_, c) => {
      for (let i = 0; i < 300; i++) {
        const label = `client${c}-${i}`;
        let res: Answer;
        try {
          res = await call(first, s, "POST", posts, { label, fields: { c, i } });
        } catch {
          unanswered.add(label);
          return;
        }
        if (res.status >= 200 && res.status < 300 && res.body?.label === label)
          answered2xx.set(label, res.body.id);
        else answeredOther.add(label);
      }
    });
    await waitFor("packages being answered", () => answered2xx.size >= 100, { timeoutMs: 60_000 });
    first.kill("SIGKILL");
    expect(await first.exited).toBeNull(); // ended by the signal
    await Promise.all(clients);
    expect(unanswered.size).toBeGreaterThan(0); // the kill came while requests were in flight

    const second = await startApiProcess(env);
    cleanups.push(() => second.stop());
    // the restarted API serves every acknowledged package, and each reached the output node
    const outputSearch = `/nodes/${s.output.id}/packages/search?data_layer_id=${layerId}`;
    for (const [label, id] of answered2xx) {
      const got = await call(second, s, "GET", `/nodes/${s.input.id}/packages/${id}`);
      expect(got, label).toMatchObject({ status: 200, body: { id, label } });
      const pushed = await call(second, s, "POST", outputSearch, { master_id: id });
      expect(pushed.status).toBe(200);
      expect(pushed.body.total, `${label} in the output node`).toBe(1);
      expect(pushed.body.items[0]).toMatchObject({ master_id: id, node_id: s.output.id, label });
    }
    // nothing exists that was refused, or that no client ever sent
    const stored = await t.db
      .selectFrom("packages")
      .select(["id", "label", "node_id", "master_id"])
      .where("node_id", "in", [s.input.id, s.output.id])
      .execute();
    const inInput = stored.filter((p) => p.node_id === s.input.id);
    for (const p of inInput) {
      const label = p.label ?? "";
      expect(answered2xx.has(label) || unanswered.has(label), `${label} was answered 2xx or not at all`).toBe(
        true,
      );
      if (answered2xx.has(label)) expect(p.id).toBe(answered2xx.get(label));
    }
    expect(new Set(inInput.map((p) => p.label)).size).toBe(inInput.length);
    for (const label of answeredOther) expect(inInput.some((p) => p.label === label)).toBe(false);
    // every copy in the output node comes from a stored input package, once
    const inputIds = new Set(inInput.map((p) => p.id));
    const outputMasters = stored.filter((p) => p.node_id === s.output.id).map((p) => p.master_id);
    expect(outputMasters.every((m) => inputIds.has(m))).toBe(true);
    expect(new Set(outputMasters).size).toBe(outputMasters.length);
    expect(outputMasters.length).toBe(inInput.length);
    // each stored package committed its usage event in its own transaction: none lost to the kill
    const writeEvents = await t.db
      .selectFrom("usage_events")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("key_id", "=", s.keyId)
      .where("method", "=", "POST")
      .where("route", "=", "/api/projects/:projectId/nodes/:nodeId/packages")
      .where("status", "=", 200)
      .executeTakeFirstOrThrow();
    expect(Number(writeEvents.n)).toBe(inInput.length);
    console.log(
      `kill -9 under load: ${answered2xx.size} answered 2xx, ${answeredOther.size} refused, ` +
        `${unanswered.size} without an answer (${inInput.length - answered2xx.size} of those stored)`,
    );
  }, 180_000);
});

describe("PostgreSQL stopped for 5 s under load", () => {
  test("503 {detail} at once, never 404 or a hang; recovery without a restart; LISTEN back", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyflow-faults-pg-"));
    cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    let postgres: EmbeddedServer | null = await startEmbeddedPostgres({ dir });
    const port = postgres.port;
    cleanups.push(async () => postgres?.stop());
    const admin = createPool(postgres.url("postgres"), { max: 1 });
    await admin.query("create database keyflow");
    await admin.end();
    const url = postgres.url("keyflow");
    const pool: pg.Pool = createPool(url, { max: 4 });
    cleanups.push(() => pool.end());
    await migrate(pool);
    const db = createDb(pool);
    const s = await serviceWithKey(db);

    const api = await startApiProcess({ databaseUrl: url, secret: SECRET }, { capture: true });
    cleanups.push(() => api.stop());
    onTestFailed(() => console.error(`API output (end):\n${api.output().slice(-20_000)}`));
    const layerId = await layerOf(api, s);
    // the web app's view: a signed-in session (the owner's) and a signed-out visitor, over tRPC
    const signIn = await fetch(`${api.url}/trpc/auth.signIn`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: "http://localhost:3000" },
      body: JSON.stringify({ json: { email: s.owner.email, password: TEST_PASSWORD } }),
    });
    expect(signIn.status).toBe(200);
    const cookie = signIn.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    const trpc = async (procedure: string, input: unknown, headers: Record<string, string> = {}) => {
      const query = encodeURIComponent(JSON.stringify({ json: input }));
      const res = await fetch(`${api.url}/trpc/${procedure}?input=${query}`, {
        headers,
        signal: AbortSignal.timeout(10_000),
      });
      return { status: res.status, body: (await res.json()) as { error: { json: unknown } } };
    };
    expect((await trpc("projects.list", undefined, { cookie })).status).toBe(200);
    const listeners = async () => {
      const r = await sql<{ n: number }>`
        select count(*)::int as n from pg_stat_activity
        where datname = 'keyflow' and position(${`LISTEN ${apiKeys.KEY_CHANNEL};`} in query) = 1`.execute(db);
      return r.rows[0]?.n ?? 0;
    };
    await waitFor("the caches' LISTEN connection", async () => (await listeners()) > 0, {
      timeoutMs: 30_000,
    });

    // load: 6 clients reading and posting with the key until told to stop
    const answers: (Answer & { route: string })[] = [];
    const failures: string[] = [];
    let loading = true;
    const routes = [
      { method: "GET" as const, route: "/data_layers/last" },
      { method: "POST" as const, route: `/nodes/${s.input.id}/packages?data_layer_id=${layerId}` },
      { method: "POST" as const, route: `/nodes/${s.output.id}/packages/search?data_layer_id=${layerId}` },
    ];
    const clients = Array.from({ length: 6 }, async (_, c) => {
      for (let i = 0; loading && i < 20_000; i++) {
        const { method, route } = routes[(c + i) % routes.length]!;
        try {
          const res = await call(
            api,
            s,
            method,
            route,
            method === "POST" ? { label: `l${c}-${i}` } : undefined,
            10_000,
          );
          answers.push({ ...res, route });
        } catch (e) {
          failures.push(`${method} ${route}: ${String((e as Error).cause ?? e)}`);
        }
      }
    });
    const count = (status: number) => answers.filter((a) => a.status === status).length;
    await waitFor("answers before the outage", () => count(200) >= 30, { timeoutMs: 30_000 });

    const stoppedAt = Date.now();
    await postgres.stop();
    postgres = null;
    await waitFor("503 answers during the outage", () => count(503) >= 20, { timeoutMs: 20_000 });
    // tRPC: SERVICE_UNAVAILABLE (503) with a plain message, signed in (the session lookup fails) or not
    for (const [procedure, input, headers] of [
      ["projects.list", undefined, { cookie }],
      ["projects.about", { projectId: s.project.id }, {}],
    ] as const) {
      const res = await trpc(procedure, input, headers);
      expect(res.status, procedure).toBe(503);
      expect(res.body.error.json).toMatchObject({
        message: "Service temporarily unavailable",
        data: { code: "SERVICE_UNAVAILABLE", httpStatus: 503 },
      });
      expect(JSON.stringify(res.body)).not.toMatch(/ECONNREFUSED|stack|pg-pool/);
    }
    // the outage lasts 5 s (the scenario, not a wait for a state)
    await new Promise((r) => setTimeout(r, Math.max(0, stoppedAt + 5_000 - Date.now())));
    const answeredDuringOutage = answers.length;
    postgres = await startEmbeddedPostgres({ dir, port });
    const backAt = Date.now();

    // it recovers by itself: every kind of request succeeds again
    await waitFor(
      "every route answering 200 again",
      () =>
        routes.every((r) =>
          answers.slice(answeredDuringOutage).some((a) => a.route === r.route && a.status === 200),
        ),
      { timeoutMs: 30_000 },
    );
    loading = false;
    await Promise.all(clients);
    console.log(
      `PostgreSQL outage: ${answers.length} answers (${count(200)} × 200, ${count(503)} × 503), ` +
        `slowest ${Math.max(...answers.map((a) => a.ms))} ms, recovered ${Date.now() - backAt} ms after the restart`,
    );

    expect(failures, "requests without an answer").toEqual([]);
    const statuses = new Set(answers.map((a) => a.status));
    expect([...statuses].sort()).toEqual([200, 503]);
    for (const a of answers.filter((x) => x.status === 503))
      expect(a.body).toEqual({ detail: "Service temporarily unavailable" });
    // answered at once, never left hanging
    expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(6_000);
    // the cause is logged, never the key
    const logged = api.output();
    expect(logged).toMatch(/database unavailable/);
    expect(logged).toMatch(/ECONNREFUSED|57P01|terminat/i);
    expect(logged).not.toContain(s.token);
    expect(logged).toMatch(/session lookup failed: database unavailable/);
    expect(logged).toMatch(/tRPC procedure failed: database unavailable/);

    // the LISTEN connection comes back: a revocation from another connection reaches the API within 1 s
    await waitFor("the LISTEN connection back", async () => (await listeners()) > 0, { timeoutMs: 30_000 });
    expect((await call(api, s, "GET", "/data_layers/last")).status).toBe(200); // cached again
    await apiKeys.revokeKey(db, s.owner.as, { keyId: s.keyId });
    const revokedAt = Date.now();
    const refused = await waitFor(
      "the revocation to reach the API",
      async () => {
        const res = await call(api, s, "GET", "/data_layers/last");
        return res.status === 401 ? res : null;
      },
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    expect(refused.body).toEqual({ detail: "API key revoked" });
    expect(Date.now() - revokedAt).toBeLessThan(1_000);
    expect(api.running()).toBe(true);
  }, 180_000);
});
