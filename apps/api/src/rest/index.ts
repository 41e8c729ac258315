import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppDeps } from "../deps";
import type { Services } from "../services";
import { restAuth } from "./auth";
import type { RestEnv } from "./env";
import { detail, restErrorHandler } from "./errors";
import { MAX_JSON_BYTES } from "./input";
import { openApiRoutes } from "./openapi";
import { dataLayerRoutes } from "./routes/dataLayers";
import { MAX_FILE_BYTES, objectRoutes } from "./routes/objects";
import { packageRoutes } from "./routes/packages";

/** The public REST data plane at /api (SPEC §5), compatible with the RnDFlow Python client. */
export function createRestApi(deps: AppDeps, services: Services) {
  const api = new Hono<RestEnv>();
  api.onError(restErrorHandler);
  api.notFound((c) => detail(c, 404, "Not found"));
  api.route("/", openApiRoutes());
  // refuse oversized bodies while they stream in, before anything reads them
  api.use(
    "/projects/*",
    bodyLimit({ maxSize: MAX_JSON_BYTES, onError: (c) => detail(c, 413, "body: must be at most 1 MiB") }),
  );
  api.use(
    "/uploads/*",
    bodyLimit({ maxSize: MAX_FILE_BYTES, onError: (c) => detail(c, 413, "Files may be at most 50 MiB") }),
  );
  api.use("*", restAuth(deps, services));
  api.route("/", dataLayerRoutes(deps));
  api.route("/", packageRoutes(deps, services));
  api.route("/", objectRoutes(deps, services));
  return api;
}
