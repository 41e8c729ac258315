import fs from "node:fs";
import path from "node:path";
import { serveStatic } from "@hono/node-server/serve-static";
import { trpcServer } from "@hono/trpc-server";
import { MAX_NODE_FILE_BYTES } from "@keyflow/schemas";
import { TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { trpcCaller } from "./context";
import { requireSameOrigin } from "./csrf";
import type { AppDeps } from "./deps";
import { logger } from "./logger";
import { createRestApi } from "./rest";
import { detail, restErrorHandler } from "./rest/errors";
import { createServices } from "./services";
import { appRouter } from "./trpc/router";

/**
 * The largest tRPC body, refused while it streams in: room for a node file of 1 MiB (UTF-8) even
 * JSON-escaped (a control character becomes six bytes), and the envelope.
 */
const MAX_TRPC_BODY_MIB = Math.ceil((6 * MAX_NODE_FILE_BYTES) / 1024 / 1024) + 2;

export function createApp(deps: AppDeps) {
  const app = new Hono();
  const services = createServices(deps);
  const sameOrigin = requireSameOrigin(deps.config.appUrl);

  app.get("/healthz", (c) => c.json({ ok: true }));
  // errors and unknown paths are answered here for the whole app, the REST API's as `{"detail": …}`:
  // a mounted sub-app with an error handler of its own makes Hono wrap each of its middlewares and
  // handlers in two more async functions (measured: the key read (b) 32 100 → 36 200 req/s
  // and search (e) 15 900 → 17 700 without them)
  const isRest = (c: Context) => c.req.path.startsWith("/api/");
  app.onError((err, c) => (isRest(c) ? restErrorHandler(err, c) : plainErrorHandler(err, c)));
  app.notFound((c) => (isRest(c) ? detail(c, 404, "Not found") : c.text("Not found", 404)));

  app.use("/trpc/*", sameOrigin);
  app.use(
    "/trpc/*",
    bodyLimit({
      maxSize: MAX_TRPC_BODY_MIB * 1024 * 1024,
      // the shape of a tRPC error (superjson-wrapped), so the client reads the message
      onError: (c) =>
        c.json(
          {
            error: {
              json: {
                message: `input: must be at most ${MAX_TRPC_BODY_MIB} MiB`,
                code: TRPC_ERROR_CODES_BY_KEY.PAYLOAD_TOO_LARGE,
                data: { code: "PAYLOAD_TOO_LARGE", httpStatus: 413 },
              },
            },
          },
          413,
        ),
    }),
  );
  app.use(
    "/trpc/*",
    trpcServer({
      router: appRouter,
      endpoint: "/trpc",
      createContext: async (opts, c) => {
        const who = await trpcCaller(deps, c, opts.resHeaders);
        return {
          ...who,
          db: deps.db,
          auth: deps.auth,
          config: deps.config,
          keyring: services.keyring,
          ip: services.clientIp(c),
          resHeaders: opts.resHeaders,
        };
      },
      onError: ({ error, path }) => {
        if (error.code === "INTERNAL_SERVER_ERROR")
          logger.error({ err: error.cause ?? error, path }, "tRPC procedure failed");
      },
    }),
  );

  app.use("/api/*", sameOrigin);
  app.route("/", createRestApi(deps, services));

  // the built web app, with index.html for client-side routes
  const dist = deps.config.webDist;
  if (fs.existsSync(dist)) {
    app.use("/*", serveStatic({ root: dist }));
    const index = path.join(dist, "index.html");
    app.get("*", (c) => {
      if (c.req.path.startsWith("/api/") || c.req.path.startsWith("/trpc/")) return c.notFound();
      return c.html(fs.readFileSync(index, "utf8"));
    });
  }
  // close() flushes buffered usage and ends the key cache's LISTEN connection
  return Object.assign(app, { services, close: () => services.close() });
}

/** Hono's own error answer outside the REST API (tRPC answers its errors itself), logged with pino. */
function plainErrorHandler(err: Error, c: Context) {
  if (err instanceof HTTPException) return err.getResponse();
  logger.error({ err, path: c.req.path, method: c.req.method }, "request failed");
  return c.text("Internal Server Error", 500);
}
