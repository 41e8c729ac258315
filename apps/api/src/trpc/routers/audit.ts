import { audit } from "@keyflow/core";
import { auditListInput } from "@keyflow/schemas";
import { authedProcedure, router } from "../init";

export const auditRouter = router({
  list: authedProcedure
    .input(auditListInput)
    .query(({ ctx, input }) => audit.listAudit(ctx.db, ctx.principal, input)),
});
