import { roles } from "@keyflow/core";
import { createRoleInput, projectIdInput, roleIdInput, updateRoleInput } from "@keyflow/schemas";
import { authedProcedure, router } from "../init";

export const rolesRouter = router({
  list: authedProcedure
    .input(projectIdInput)
    .query(({ ctx, input }) => roles.listRoles(ctx.db, ctx.principal, input)),
  create: authedProcedure
    .input(createRoleInput)
    .mutation(({ ctx, input }) => roles.createRole(ctx.db, ctx.principal, input)),
  update: authedProcedure
    .input(updateRoleInput)
    .mutation(({ ctx, input }) => roles.updateRole(ctx.db, ctx.principal, input)),
  delete: authedProcedure
    .input(roleIdInput)
    .mutation(({ ctx, input }) => roles.deleteRole(ctx.db, ctx.principal, input)),
});
