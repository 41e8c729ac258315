import { dataLayers, projects } from "@keyflow/core";
import { authedProcedure, publicProcedure, router } from "../init";

export const dataLayersRouter = router({
  list: publicProcedure
    .input(projects.projectIdInput)
    .query(({ ctx, input }) => dataLayers.listDataLayers(ctx.db, ctx.principal, input)),
  create: authedProcedure
    .input(dataLayers.createDataLayerInput)
    .mutation(({ ctx, input }) => dataLayers.createDataLayer(ctx.db, ctx.principal, input)),
  delete: authedProcedure
    .input(dataLayers.dataLayerIdInput)
    .mutation(({ ctx, input }) => dataLayers.deleteDataLayer(ctx.db, ctx.principal, input)),
});
