import { randomBytes } from "node:crypto";
import { createTestDatabase, type TestDatabase } from "@keyflow/db/testing";
import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import superjson from "superjson";
import { expect } from "vitest";
import { createApp } from "../src/app";
import { createLucia } from "../src/auth/lucia";
import type { Config } from "../src/config";
import type { AppRouter } from "../src/trpc/router";

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
