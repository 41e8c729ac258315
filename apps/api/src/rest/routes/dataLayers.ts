import { dataLayers, loadAccess, notFound } from "@keyflow/core";
import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../deps";
import type { RestEnv } from "../env";
import { intParam, params } from "../input";

const projectParams = z.object({ projectId: intParam("projectId") });

const layerJson = (l: { id: number; name: string; kind: string; owner_id: number | null }) => ({
  id: l.id,
  name: l.name,
  kind: l.kind,
  owner_id: l.owner_id,
});

export function dataLayerRoutes(deps: AppDeps) {
  const r = new Hono<RestEnv>();

  r.get("/projects/:projectId/data_layers", async (c) => {
    const { projectId } = params(c, projectParams);
    const access = await loadAccess(deps.db, c.var.principal, projectId);
    return c.json((await dataLayers.visibleLayers(deps.db, access)).map(layerJson));
  });

  /** A key's personal layer; for a user the newest layer they may use. */
  r.get("/projects/:projectId/data_layers/last", async (c) => {
    const { projectId } = params(c, projectParams);
    const principal = c.var.principal;
    const access = await loadAccess(deps.db, principal, projectId);
    if (principal.kind === "apiKey") {
      return c.json(layerJson(await dataLayers.requireLayer(deps.db, access, principal.dataLayerId, "read")));
    }
    const layers = await dataLayers.visibleLayers(deps.db, access);
    const last = layers.filter((l) => l.write).at(-1) ?? layers.at(-1);
    if (!last) throw notFound("Data layer");
    return c.json(layerJson(last));
  });

  return r;
}
