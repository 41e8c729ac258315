import { sql } from "@keyflow/db";
import pg from "pg";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { createHarness, type Harness } from "../../test/harness";
import { type RestResponse, rest } from "../../test/rest";
import { logger } from "../logger";

let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

/** The test database refuses new connections and its open ones are ended, as in an outage. */
async function stopDatabase() {
  const url = new URL(h.database.url);
  const name = url.pathname.slice(1);
  url.pathname = "/postgres";
  const admin = new pg.Client({ connectionString: url.href });
  await admin.connect();
  try {
    await admin.query(`alter database "${name}" allow_connections false`);
    await admin.query("select pg_terminate_backend(pid) from pg_stat_activity where datname = $1", [name]);
  } finally {
    await admin.end();
  }
}

/** Calls a private project's data plane signed in and signed out, watching what is logged. */
async function signedInAndOut() {
  const owner = await h.user("Owner");
  const project = await owner.client.projects.create.mutate({ name: "Private" });
  const layers = `/api/projects/${project.id}/data_layers`;
  const signedIn = rest(h, { cookiesOf: owner.client });
  expect((await signedIn.get(layers)).status).toBe(200);
  return { layers, signedIn, signedOut: rest(h) };
}

async function expectLogged500(call: () => Promise<RestResponse>, path: string) {
  const logged = vi.spyOn(logger, "error");
  try {
    expect(await call()).toMatchObject({ status: 500, body: { detail: "Internal server error" } });
    expect(logged).toHaveBeenCalledWith(
      expect.objectContaining({ err: expect.any(Error), path }),
      "REST request failed",
    );
  } finally {
    logged.mockRestore();
  }
}

test("a session lookup that fails is a logged 500, not a signed-out visitor's 401", async () => {
  const { layers, signedIn, signedOut } = await signedInAndOut();
  await sql`alter table user_sessions rename to user_sessions_away`.execute(h.db);
  try {
    await expectLogged500(() => signedIn.get(layers), layers);
    // only the session lookup fails: without a cookie the same call is the usual 401
    expect((await signedOut.get(layers)).status).toBe(401);
  } finally {
    await sql`alter table user_sessions_away rename to user_sessions`.execute(h.db);
  }
});

/**
 * With the database refusing connections a call fails in one of two ways, depending on whether the
 * pool still held a connection PostgreSQL had ended: "Connection terminated" (an outage: 503) or
 * the server's refusal of a new connection (55000: 500). Either is a 5xx {detail} with its cause
 * logged, never a 401 or 404.
 */
async function expectLogged5xx(call: () => Promise<RestResponse>) {
  const logged = vi.spyOn(logger, "error");
  try {
    const r = await call();
    expect([
      { status: 500, detail: "Internal server error" },
      { status: 503, detail: "Service temporarily unavailable" },
    ]).toContainEqual({ status: r.status, detail: (r.body as { detail?: string }).detail });
    return { status: r.status, logged: logged.mock.calls.length > 0 };
  } finally {
    logged.mockRestore();
  }
}

test("with the database gone, REST calls answer a logged 5xx {detail}, never 401 or 404", async () => {
  const { layers, signedIn, signedOut } = await signedInAndOut();
  await stopDatabase();
  await expect(sql`select 1`.execute(h.db)).rejects.toThrow();
  const first = await expectLogged5xx(() => signedIn.get(layers));
  expect(first.logged).toBe(true);
  // an outage is logged once a second, not once per request: the second call may be counted only
  const second = await expectLogged5xx(() => signedOut.get(layers));
  if (second.status === 500) expect(second.logged).toBe(true);
});
