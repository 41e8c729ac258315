import { dataLayers } from "@keyflow/core";
import { createDataLayerInput, dataLayerIdInput, projectIdInput } from "@keyflow/schemas";
import { authedProcedure, publicProcedure, router } from "../init";

export const dataLayersRouter = router({
  list: publicProcedure
    .input(projectIdInput)
    .query(({ ctx, input }) => dataLayers.listDataLayers(ctx.db, ctx.principal, input)),
  create: authedProcedure
    .input(createDataLayerInput)
    .mutation(({ ctx, input }) => dataLayers.createDataLayer(ctx.db, ctx.principal, input)),
  delete: authedProcedure
    .input(dataLayerIdInput)
    .mutation(({ ctx, input }) => dataLayers.deleteDataLayer(ctx.db, ctx.principal, input)),
});
