import { MAX_PACKAGE_FILE_BYTES } from "@keyflow/schemas";
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppDeps } from "../deps";
import type { Services } from "../services";
import { restAuth } from "./auth";
import { serveDocs } from "./docs";
import { detail } from "./errors";
import { MAX_JSON_BYTES } from "./jsonBody";
import { restRouter } from "./router";
import { dataLayerRoutes } from "./routes/dataLayers";
import { objectRoutes } from "./routes/objects";
import { packageRoutes } from "./routes/packages";

/**
 * Hono's bodyLimit without what it costs every request: it reads `c.req.raw.body`, which makes
 * @hono/node-server build a full web Request (and AbortController) even for a GET. A request
 * without Transfer-Encoding has exactly its Content-Length (Node's parser holds it to that), so
 * the header decides; an HTTP GET or HEAD with neither has no body. Anything else (chunked, or a
 * web Request handed to `app.request` in tests) is counted as it streams in, by bodyLimit.
 */
function limitBody(maxSize: number, onError: (c: Context) => Response): MiddlewareHandler {
  const streamed = bodyLimit({ maxSize, onError });
  return (c, next) => {
    const length = c.req.header("content-length");
    if (c.req.header("transfer-encoding") === undefined) {
      if (length !== undefined) return Number(length) > maxSize ? Promise.resolve(onError(c)) : next();
      if (c.req.method === "GET" || c.req.method === "HEAD") return next();
    }
    return streamed(c, next);
  };
}

/**
 * The public REST data plane at /api (SPEC §5), compatible with the RnDFlow Python client. Its
 * errors and unknown paths are answered by the app's handlers (`restErrorHandler`, in app.ts).
 */
export function createRestApi(deps: AppDeps, services: Services) {
  // the base path is part of the routes, so the generated document lists /api/… paths
  const api = restRouter().basePath("/api");
  serveDocs(api);
  // refuse oversized bodies while they stream in, before anything reads them
  api.use(
    "/projects/*",
    limitBody(MAX_JSON_BYTES, (c) => detail(c, 413, "body: must be at most 1 MiB")),
  );
  api.use(
    "/uploads/*",
    limitBody(MAX_PACKAGE_FILE_BYTES, (c) =>
      detail(c, 413, `Files may be at most ${MAX_PACKAGE_FILE_BYTES / 1024 / 1024} MiB`),
    ),
  );
  api.use("*", restAuth(deps, services));
  api.route("/", dataLayerRoutes(deps));
  api.route("/", packageRoutes(deps, services));
  api.route("/", objectRoutes(deps, services));
  return api;
}
