import { audit } from "@keyflow/core";
import { z } from "zod";
import { authedProcedure, router } from "../init";

export const auditRouter = router({
  list: authedProcedure
    .input(
      z.object({
        projectId: z.number().int().positive(),
        page: z.number().int().positive().max(10_000).optional(),
      }),
    )
    .query(({ ctx, input }) => audit.listAudit(ctx.db, ctx.principal, input)),
});
