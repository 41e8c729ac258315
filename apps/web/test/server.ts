import fs from "node:fs";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { serve } from "@hono/node-server";
import { type Config, createApp, createLucia } from "@keyflow/api";
import { freePort } from "@keyflow/db/embedded";
import { createTestDatabase } from "@keyflow/db/testing";
import { type RunningWorker, startWorker } from "@keyflow/worker";
import { afterAll, beforeAll } from "vitest";

/** Where `npm run build -w @keyflow/web` writes the app the test server serves. */
export const WEB_DIST = path.resolve(import.meta.dirname, "../dist");

export type TestServer = Awaited<ReturnType<typeof startTestServer>>;

/**
 * A real API HTTP server for a browser test: a fresh clone of the migrated test database, the
 * Hono app with tRPC, REST and the built web app, listening on a free loopback port. Needs the
 * vitest globalSetup of test/global-setup.ts. Call `close()` in afterAll.
 *
 * With `{ worker: true }` the background worker runs too, with its local SMTP capture, so e-mail
 * queued by the API really arrives in the Dev mailbox.
 */
export async function startTestServer(overrides: Partial<Config> = {}, options: { worker?: boolean } = {}) {
  if (!fs.existsSync(path.join(WEB_DIST, "index.html")))
    throw new Error("apps/web/dist is missing: run `npm run build -w @keyflow/web` first");
  const database = await createTestDatabase();
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const config: Config = {
    port,
    appUrl: url,
    databaseUrl: database.url,
    secret: "test-master-secret-0123456789abcdef",
    devMailboxOpen: true,
    smtpCapture: true,
    webDist: WEB_DIST,
    trustedProxies: [],
    ...overrides,
  };
  const auth = createLucia(database.pool, false);
  const app = createApp({ db: database.db, pool: database.pool, auth, config });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port, hostname: "127.0.0.1" }, () => resolve(s));
  });
  let worker: RunningWorker | undefined;
  if (options.worker) {
    // the master secret lets node jobs receive their granted secrets (without it they get none)
    worker = await startWorker({
      databaseUrl: database.url,
      appUrl: url,
      smtpUrl: undefined,
      secret: config.secret,
    }).catch(async (e: unknown) => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await database.destroy();
      throw e;
    });
  }
  return {
    /** Base URL the browser should open, e.g. `${url}/signup`. */
    url,
    port: (server.address() as AddressInfo).port,
    app,
    config,
    db: database.db,
    pool: database.pool,
    database,
    worker,
    async close() {
      await worker?.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // keep-alive connections from the browser would hold close() open
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      // flushes buffered API-key usage and ends the key cache's LISTEN connection
      await app.close();
      await database.destroy();
    },
  };
}

/** Starts a test server before the file's tests and closes it after them; call the result for it. */
export function useTestServer(...args: Parameters<typeof startTestServer>): () => TestServer {
  let server: TestServer | undefined;
  beforeAll(async () => {
    server = await startTestServer(...args);
  });
  afterAll(async () => {
    await server?.close();
  });
  return () => {
    if (!server) throw new Error("useTestServer(): the server starts in beforeAll");
    return server;
  };
}
