import { MAX_PACKAGE_FILE_BYTES } from "@keyflow/schemas";
import { bodyLimit } from "hono/body-limit";
import type { AppDeps } from "../deps";
import type { Services } from "../services";
import { restAuth } from "./auth";
import { serveDocs } from "./docs";
import { detail, restErrorHandler } from "./errors";
import { MAX_JSON_BYTES } from "./jsonBody";
import { restRouter } from "./router";
import { dataLayerRoutes } from "./routes/dataLayers";
import { objectRoutes } from "./routes/objects";
import { packageRoutes } from "./routes/packages";

/** The public REST data plane at /api (SPEC §5), compatible with the RnDFlow Python client. */
export function createRestApi(deps: AppDeps, services: Services) {
  // the base path is part of the routes, so the generated document lists /api/… paths
  const api = restRouter().basePath("/api");
  api.onError(restErrorHandler);
  api.notFound((c) => detail(c, 404, "Not found"));
  serveDocs(api);
  // refuse oversized bodies while they stream in, before anything reads them
  api.use(
    "/projects/*",
    bodyLimit({ maxSize: MAX_JSON_BYTES, onError: (c) => detail(c, 413, "body: must be at most 1 MiB") }),
  );
  api.use(
    "/uploads/*",
    bodyLimit({
      maxSize: MAX_PACKAGE_FILE_BYTES,
      onError: (c) => detail(c, 413, `Files may be at most ${MAX_PACKAGE_FILE_BYTES / 1024 / 1024} MiB`),
    }),
  );
  api.use("*", restAuth(deps, services));
  api.route("/", dataLayerRoutes(deps));
  api.route("/", packageRoutes(deps, services));
  api.route("/", objectRoutes(deps, services));
  return api;
}
