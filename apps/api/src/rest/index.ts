import { Hono } from "hono";
import type { AppDeps } from "../deps";
import type { Services } from "../services";
import { restAuth } from "./auth";
import type { RestEnv } from "./env";
import { detail, restErrorHandler } from "./errors";
import { openApiRoutes } from "./openapi";
import { dataLayerRoutes } from "./routes/dataLayers";
import { objectRoutes } from "./routes/objects";
import { packageRoutes } from "./routes/packages";

/** The public REST data plane at /api (SPEC §5), compatible with the RnDFlow Python client. */
export function createRestApi(deps: AppDeps, services: Services) {
  const api = new Hono<RestEnv>();
  api.onError(restErrorHandler);
  api.notFound((c) => detail(c, 404, "Not found"));
  api.route("/", openApiRoutes());
  api.use("*", restAuth(deps, services));
  api.route("/", dataLayerRoutes(deps));
  api.route("/", packageRoutes(deps, services));
  api.route("/", objectRoutes(deps, services));
  return api;
}
