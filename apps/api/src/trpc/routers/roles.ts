import { projects, roles } from "@keyflow/core";
import { authedProcedure, router } from "../init";

export const rolesRouter = router({
  list: authedProcedure
    .input(projects.projectIdInput)
    .query(({ ctx, input }) => roles.listRoles(ctx.db, ctx.principal, input)),
  create: authedProcedure
    .input(roles.createRoleInput)
    .mutation(({ ctx, input }) => roles.createRole(ctx.db, ctx.principal, input)),
  update: authedProcedure
    .input(roles.updateRoleInput)
    .mutation(({ ctx, input }) => roles.updateRole(ctx.db, ctx.principal, input)),
  delete: authedProcedure
    .input(roles.roleIdInput)
    .mutation(({ ctx, input }) => roles.deleteRole(ctx.db, ctx.principal, input)),
});
