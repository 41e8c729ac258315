import { usage } from "@keyflow/core";
import { seriesInput } from "@keyflow/schemas";
import { authedProcedure, router } from "../init";

export const usageRouter = router({
  series: authedProcedure
    .input(seriesInput)
    .query(({ ctx, input }) => usage.series(ctx.db, ctx.principal, input)),
});
