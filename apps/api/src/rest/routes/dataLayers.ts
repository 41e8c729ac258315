import { createRoute, z } from "@hono/zod-openapi";
import { dataLayers, loadAccess } from "@keyflow/core";
import type { AppDeps } from "../../deps";
import { restRouter } from "../router";
import { dataLayerJson, json, projectPath, refusals } from "../schemas";

const listRoute = createRoute({
  method: "get",
  path: "/projects/{projectId}/data_layers",
  summary: "Data layers the caller may use, oldest first",
  request: { params: projectPath },
  responses: { 200: json(z.array(dataLayerJson), "The layers"), ...refusals(401, 404, 422, 429, 500) },
});

const lastRoute = createRoute({
  method: "get",
  path: "/projects/{projectId}/data_layers/last",
  summary: "A key's personal layer; for a user the newest layer they may write (else read)",
  request: { params: projectPath },
  responses: { 200: json(dataLayerJson, "The layer"), ...refusals(401, 404, 422, 429, 500) },
});

const layerJson = (l: {
  id: number;
  name: string;
  kind: "shared" | "personal";
  owner_id: number | null;
}) => ({
  id: l.id,
  name: l.name,
  kind: l.kind,
  owner_id: l.owner_id,
});

export function dataLayerRoutes(deps: AppDeps) {
  return restRouter()
    .openapi(listRoute, async (c) => {
      const access = await loadAccess(deps.db, c.get("principal"), c.req.valid("param").projectId);
      return c.json((await dataLayers.visibleLayers(deps.db, access)).map(layerJson), 200);
    })
    .openapi(lastRoute, async (c) => {
      const layer = await dataLayers.lastLayer(deps.db, c.get("principal"), c.req.valid("param").projectId);
      return c.json(layerJson(layer), 200);
    });
}
