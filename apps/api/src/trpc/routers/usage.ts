import { usage } from "@keyflow/core";
import { authedProcedure, router } from "../init";

export const usageRouter = router({
  series: authedProcedure
    .input(usage.seriesInput)
    .query(({ ctx, input }) => usage.series(ctx.db, ctx.principal, input)),
});
