import { randomBytes } from "node:crypto";
import { packages } from "@keyflow/core";
import { createTestDatabase, type TestDatabase } from "@keyflow/db/testing";
import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import pino from "pino";
import superjson from "superjson";
import { expect } from "vitest";
import { createApp } from "../src/app";
import { createLucia } from "../src/auth/lucia";
import type { Config } from "../src/config";
import { logger } from "../src/logger";
import { type AppRouter, appRouter } from "../src/trpc/router";

export const APP_URL = "http://localhost:3000";
export const PASSWORD = "correct horse battery";

export type Client = ReturnType<typeof createHarnessClient>;

export interface ClientOptions {
  bearer?: string;
  /** Origin header to send; null sends none. Default APP_URL. */
  origin?: string | null;
  /** Share the session cookies of another client. */
  cookiesOf?: Client;
}

// tRPC clients are proxies, so each one's cookie jar lives here
const jars = new WeakMap<object, Map<string, string>>();

function createHarnessClient(app: ReturnType<typeof createApp>, opts: ClientOptions = {}) {
  const jar = new Map<string, string>(opts.cookiesOf ? jars.get(opts.cookiesOf) : []);
  const client = createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${APP_URL}/trpc`,
        transformer: superjson,
        fetch: async (url, init) => {
          const headers = new Headers(init?.headers);
          if (jar.size > 0) headers.set("cookie", [...jar].map(([k, v]) => `${k}=${v}`).join("; "));
          if (opts.origin !== null) headers.set("origin", opts.origin ?? APP_URL);
          if (opts.bearer) headers.set("authorization", `Bearer ${opts.bearer}`);
          const res = await app.request(String(url), { ...init, headers } as RequestInit);
          for (const c of res.headers.getSetCookie()) {
            const [pair] = c.split(";");
            const [name, value] = (pair ?? "").split("=");
            if (!name) continue;
            if (value) jar.set(name, value);
            else jar.delete(name);
          }
          return res;
        },
      }),
    ],
  });
  jars.set(client, jar);
  return client;
}

/** A real API app on a fresh cloned database, with helpers to sign users up. */
export async function createHarness() {
  const database: TestDatabase = await createTestDatabase();
  const config: Config = {
    port: 0,
    appUrl: APP_URL,
    databaseUrl: database.url,
    secret: "test-master-secret-0123456789abcdef",
    devMailboxOpen: true,
    smtpCapture: true,
    webDist: "/nonexistent",
    trustedProxies: [],
  };
  const auth = createLucia(database.pool, false);
  const app = createApp({ db: database.db, pool: database.pool, auth, config });

  const client = (opts?: ClientOptions) => createHarnessClient(app, opts);

  /** Signs up a new user with a unique e-mail and returns their signed-in client. */
  async function user(name = "User") {
    const c = client();
    const email = `${name.toLowerCase().replace(/\W/g, "")}-${randomBytes(3).toString("hex")}@example.com`;
    const u = await c.auth.signUp.mutate({ email, password: PASSWORD, name });
    return { client: c, user: u, email };
  }

  return {
    app,
    db: database.db,
    pool: database.pool,
    database,
    config,
    client,
    user,
    /** The Cookie header of a test client's session, for raw HTTP calls. */
    cookieHeader: (c: Client) => [...(jars.get(c) ?? [])].map(([k, v]) => `${k}=${v}`).join("; "),
    close: async () => {
      await app.close();
      await database.destroy();
    },
  };
}

export type Harness = Awaited<ReturnType<typeof createHarness>>;

/** Expects a tRPC call to fail with the given code (and optionally a message pattern). */
export async function expectTrpcError(promise: Promise<unknown>, code: string, message?: RegExp) {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, `expected ${code}`).toBeInstanceOf(TRPCClientError);
  const e = err as TRPCClientError<AppRouter>;
  expect(e.data?.code).toBe(code);
  if (message) expect(e.message).toMatch(message);
  return e;
}

/** Counts rows of a table, to prove a refused call wrote nothing. */
export async function countRows(
  h: Harness,
  table: "projects" | "roles" | "members" | "nodes" | "links" | "packages" | "audit_log" | "data_layers",
) {
  const r = await h.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/**
 * A check-then-write race made deterministic: the row is deleted in a transaction that commits
 * only once a statement starting with `waitingStatement` waits for its lock (the write's foreign
 * key check on the deleted row). The call under test ran its checks before, so it saw the row.
 * Settles as the call did, after the deletion committed.
 */
export async function deleteDuring<T>(
  h: Harness,
  row: { table: "nodes" | "roles" | "api_key_templates"; id: number },
  waitingStatement: string,
  call: () => Promise<T>,
): Promise<T> {
  const { sql } = await import("@keyflow/db");
  const { waitFor } = await import("@keyflow/testing");
  let commit!: () => void;
  let deleted!: () => void;
  const rowDeleted = new Promise<void>((resolve) => {
    deleted = resolve;
  });
  const deletion = h.db.transaction().execute(async (trx) => {
    await sql`delete from ${sql.table(row.table)} where id = ${row.id}`.execute(trx);
    deleted();
    await new Promise<void>((resolve) => {
      commit = resolve;
    });
  });
  await rowDeleted;
  const answer = call();
  // caught here and handed back: the call is still waiting while the deletion commits
  const settled = answer.then(
    () => undefined,
    () => undefined,
  );
  await waitFor(`"${waitingStatement}…" to wait for the deleting transaction`, async () => {
    const { rows } = await sql`select 1 from pg_stat_activity
      where datname = current_database() and wait_event_type = 'Lock'
        and starts_with(query, ${waitingStatement})`.execute(h.db);
    return rows.length > 0 || undefined;
  });
  commit();
  await deletion;
  await settled;
  return answer;
}

/** E-mails queued for the worker (graphile-worker jobs not yet run), oldest first. */
export async function queuedEmails(h: Harness) {
  const { sql } = await import("@keyflow/db");
  const { TASKS } = await import("@keyflow/schemas");
  const r = await sql<{ payload: { to: string; template: string; data: Record<string, unknown> } }>`
    select j.payload from graphile_worker._private_jobs j
    join graphile_worker._private_tasks t on t.id = j.task_id
    where t.identifier = ${TASKS.sendEmail} order by j.id`.execute(h.db);
  return r.rows.map((row) => row.payload);
}

/**
 * A service project with a template (role: project_view + package rights) and a second user who
 * holds an approved key from it. Returns everything a key test needs, including the plain token.
 */
export async function projectWithKey(h: Harness, opts: { templateName?: string; price?: string } = {}) {
  const owner = await h.user("Owner");
  const holder = await h.user("Holder");
  const project = await owner.client.projects.create.mutate({ name: "Service", isPublic: true });
  const role = await owner.client.roles.create.mutate({
    projectId: project.id,
    name: "Key user",
    permissions: { project: ["project_view", "graph_view", "package_view", "package_create"], nodes: {} },
  });
  const template = await owner.client.apiKeys.createTemplate.mutate({
    projectId: project.id,
    name: opts.templateName ?? "Doubler",
    roleId: role.id,
  });
  if (opts.price)
    await owner.client.apiKeys.updateTemplate.mutate({
      templateId: template.id,
      pricePerRequest: opts.price,
    });
  const request = await holder.client.apiKeys.request.mutate({ templateId: template.id, message: "please" });
  const { keyId } = await owner.client.apiKeys.approve.mutate({ requestId: request.id });
  const { token } = await holder.client.apiKeys.reveal.mutate({ keyId });
  return { owner, holder, project, role, template, keyId, token };
}

/**
 * {@link projectWithKey} with two data nodes, `input` pushing on to `output`: the data plane's
 * service; `layer` is the key's personal data layer (read from the database, so no request and no
 * usage event is made for it).
 */
export async function linkedService(h: Harness, opts: Parameters<typeof projectWithKey>[1] = {}) {
  const k = await projectWithKey(h, opts);
  const node = (name: string) =>
    k.owner.client.graph.createNode.mutate({ projectId: k.project.id, name, kind: "data" });
  const input = await node("input");
  const output = await node("output");
  await k.owner.client.graph.createLink.mutate({
    projectId: k.project.id,
    fromNodeId: input.id,
    toNodeId: output.id,
  });
  const { data_layer_id: layer } = await h.db
    .selectFrom("api_keys")
    .select("data_layer_id")
    .where("id", "=", k.keyId)
    .executeTakeFirstOrThrow();
  return { ...k, input, output, layer };
}

/**
 * A job's result in a lineage, written as the worker writes it: another connection, the general
 * path, the lineage's package in `nodeId` as its parent. Resolves once committed.
 */
export async function landJobResult(
  h: Pick<Harness, "db">,
  at: { masterId: number; nodeId: number; dataLayerId: number; label: string },
) {
  const parent = await h.db
    .selectFrom("packages")
    .select("id")
    .where("master_id", "=", at.masterId)
    .where("node_id", "=", at.nodeId)
    .executeTakeFirstOrThrow();
  await h.db.transaction().execute((trx) =>
    packages.insertPackage(trx, {
      origin: "job",
      parentId: parent.id,
      nodeId: at.nodeId,
      dataLayerId: at.dataLayerId,
      label: at.label,
      fields: {},
      files: [],
      createdBy: null,
    }),
  );
}

/** An owner's public project with a project_view role and one template per name. */
export async function publicService(h: Harness, templateNames: string[] = []) {
  const owner = await h.user("Owner");
  const project = await owner.client.projects.create.mutate({ name: "Service", isPublic: true });
  const role = await owner.client.roles.create.mutate({
    projectId: project.id,
    name: "Client",
    permissions: { project: ["project_view"], nodes: {} },
  });
  const templates = [];
  for (const name of templateNames) {
    templates.push(
      await owner.client.apiKeys.createTemplate.mutate({ projectId: project.id, name, roleId: role.id }),
    );
  }
  return { owner, project, role, templates };
}

export interface RawTrpcAnswer {
  status: number;
  /** The error's message and tRPC code, when it failed. */
  message?: string;
  code?: string;
  text: string;
}

/**
 * A tRPC call as raw HTTP through the app, for inputs the typed client cannot send (malformed or
 * deeply nested JSON): a query's `input` goes in the query string, a mutation's body as given.
 */
export async function rawTrpc(
  h: Harness,
  path: string,
  opts: { method?: "GET" | "POST"; body: string; cookiesOf?: Client; headers?: Record<string, string> },
): Promise<RawTrpcAnswer> {
  const method = opts.method ?? "POST";
  const headers = new Headers({ origin: APP_URL, "content-type": "application/json", ...opts.headers });
  if (opts.cookiesOf) headers.set("cookie", h.cookieHeader(opts.cookiesOf));
  const url = method === "GET" ? `/trpc/${path}?input=${encodeURIComponent(opts.body)}` : `/trpc/${path}`;
  const res = await h.app.request(url, { method, headers, body: method === "GET" ? undefined : opts.body });
  const text = await res.text();
  let error: { message?: string; data?: { code?: string } } | undefined;
  try {
    error = (JSON.parse(text) as { error?: { json?: typeof error } }).error?.json;
  } catch {
    // not JSON: the status says enough
  }
  return { status: res.status, message: error?.message, code: error?.data?.code, text };
}

/** `depth` JSON arrays (or other brackets) around a number, as text: deep enough to overflow recursion. */
export const nestedJson = (depth: number, open = "[", close = "]") =>
  `${open.repeat(depth)}1${close.repeat(depth)}`;

/**
 * Collects every line the API logger writes, at every level, until `stop()` (it is silent in
 * tests otherwise): to prove no credential reaches a log.
 */
export function captureLogs() {
  const lines: string[] = [];
  const target = logger as unknown as Record<symbol, unknown>;
  const saved = { level: logger.level, stream: target[pino.symbols.streamSym] };
  target[pino.symbols.streamSym] = { write: (line: string) => lines.push(line) };
  logger.level = "trace";
  return {
    lines,
    stop() {
      target[pino.symbols.streamSym] = saved.stream;
      logger.level = saved.level;
    },
  };
}

/** The object keys behind an input schema (through `.and()` and refinements). */
function inputKeys(schema: unknown): string[] {
  const def = (schema as { _zod?: { def: { shape?: object; left?: unknown; right?: unknown } } })._zod?.def;
  if (!def) return [];
  if (def.shape) return Object.keys(def.shape);
  return [...new Set([...inputKeys(def.left), ...inputKeys(def.right)])];
}

export interface ProcedureInfo {
  /** e.g. "projects.get" */
  path: string;
  type: "query" | "mutation";
  /** the keys of its input object; empty without input */
  keys: string[];
  hasInput: boolean;
}

/** Every tRPC procedure of the app, for tests that walk them all. */
export function trpcProcedures(): ProcedureInfo[] {
  const all = appRouter._def.procedures as unknown as Record<
    string,
    { _def: { type: "query" | "mutation"; inputs: unknown[] } }
  >;
  return Object.entries(all).map(([path, p]) => ({
    path,
    type: p._def.type,
    keys: p._def.inputs.flatMap(inputKeys),
    hasInput: p._def.inputs.length > 0,
  }));
}
