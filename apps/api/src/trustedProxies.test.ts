import { spawnSync } from "node:child_process";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { serve } from "@hono/node-server";
import { sql } from "@keyflow/db";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { serviceArgs } from "../../../scripts/bundle";
import { APP_URL, createHarness, type Harness, PASSWORD, projectWithKey } from "../test/harness";
import { createApp } from "./app";
import { createLucia } from "./auth/lucia";
import { parseTrustedProxies } from "./config";

// Real HTTP servers, so the client's address is the socket's (127.0.0.1): one app as deployed
// directly, one behind a reverse proxy on the same machine (KEYFLOW_TRUSTED_PROXIES=loopback).
let h: Harness;
const apps: ReturnType<typeof createApp>[] = [];
const servers: ReturnType<typeof serve>[] = [];

async function served(trustedProxies: string[]) {
  const app = createApp({
    db: h.db,
    pool: h.pool,
    auth: createLucia(h.pool, false),
    config: { ...h.config, trustedProxies },
  });
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise((resolve) => server.once("listening", resolve));
  apps.push(app);
  servers.push(server);
  return { app, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

let direct: Awaited<ReturnType<typeof served>>;
let proxied: Awaited<ReturnType<typeof served>>;

beforeAll(async () => {
  h = await createHarness();
  direct = await served([]);
  proxied = await served(["loopback"]);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  for (const app of apps) await app.close();
  await h?.close();
});

/** The addresses recorded for a key's calls, in order, after the API wrote its usage buffer. */
async function recordedAddresses(app: ReturnType<typeof createApp>, keyId: number) {
  await app.services.usage.flush();
  const { rows } = await sql<{ ip: string | null }>`select host(ip) as ip from usage_events
    where key_id = ${keyId} order by at`.execute(h.db);
  return rows.map((r) => r.ip);
}

const read = (url: string, projectId: number, token: string, forwardedFor?: string) =>
  fetch(`${url}/api/projects/${projectId}/data_layers/last`, {
    headers: {
      authorization: `Bearer ${token}`,
      ...(forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor }),
    },
  });

const signIn = (url: string, email: string, password: string, forwardedFor: string) =>
  fetch(`${url}/trpc/auth.signIn`, {
    method: "POST",
    headers: { origin: APP_URL, "content-type": "application/json", "x-forwarded-for": forwardedFor },
    body: JSON.stringify({ json: { email, password } }),
  });

describe("behind a trusted proxy", () => {
  test("a key's usage records the client's address the proxy forwarded, never one the client wrote itself", async () => {
    const { project, token, keyId } = await projectWithKey(h);
    expect((await read(proxied.url, project.id, token, "203.0.113.7")).status).toBe(200);
    // a client that sends its own X-Forwarded-For: the proxy appends the address it saw
    expect((await read(proxied.url, project.id, token, "198.51.100.1, 2001:db8::5")).status).toBe(200);
    // a request that did not come through the proxy (no header) is its socket's peer
    expect((await read(proxied.url, project.id, token)).status).toBe(200);
    expect(await recordedAddresses(proxied.app, keyId)).toEqual(["203.0.113.7", "2001:db8::5", "127.0.0.1"]);
  });

  test("sign-ins are throttled per client, so one client's failures do not lock the others out", async () => {
    const { email } = await h.user("Throttled");
    // 30 failed sign-ins from one client (the limit per address), each for another account
    for (let i = 0; i < 30; i++)
      expect(
        (await signIn(proxied.url, `nobody-${i}@example.com`, "wrong password", "203.0.113.9")).status,
      ).toBe(401);
    const blocked = await signIn(proxied.url, email, PASSWORD, "203.0.113.9");
    expect(blocked.status).toBe(429);
    expect(await blocked.text()).toMatch(/Too many failed sign-ins/);
    // the same proxy, another client: signed in
    expect((await signIn(proxied.url, email, PASSWORD, "203.0.113.10")).status).toBe(200);
  });
});

describe("without trusted proxies (the default)", () => {
  test("X-Forwarded-For is ignored: the key's usage records the socket's peer", async () => {
    const { project, token, keyId } = await projectWithKey(h);
    expect((await read(direct.url, project.id, token, "203.0.113.7")).status).toBe(200);
    expect(await recordedAddresses(direct.app, keyId)).toEqual(["127.0.0.1"]);
  });
});

describe("KEYFLOW_TRUSTED_PROXIES", () => {
  test("takes addresses, CIDR ranges and the named ranges, separated by commas", () => {
    expect(parseTrustedProxies(undefined)).toEqual([]);
    expect(parseTrustedProxies(" loopback , 10.0.0.0/8,fd00::1 ")).toEqual([
      "loopback",
      "10.0.0.0/8",
      "fd00::1",
    ]);
  });

  test("a value that is not an address stops the API at start, saying which", () => {
    expect(() => parseTrustedProxies("10.0.0.1, proxy.local")).toThrow(
      /^KEYFLOW_TRUSTED_PROXIES: invalid IP address: proxy\.local \(expected IP addresses or CIDR ranges/,
    );
    const started = spawnSync(process.execPath, serviceArgs("apps/api"), {
      cwd: path.resolve(import.meta.dirname, ".."),
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: h.database.url,
        KEYFLOW_SECRET: h.config.secret,
        PORT: "0",
        KEYFLOW_TRUSTED_PROXIES: "10.0.0.0/33",
      },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(started.status).toBe(1);
    expect(started.stdout).toContain("KEYFLOW_TRUSTED_PROXIES: invalid range on address: 10.0.0.0/33");
    expect(started.stdout).toContain("API failed to start");
  });
});
