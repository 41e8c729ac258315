import { members, projects } from "@keyflow/core";
import { authedProcedure, router } from "../init";

export const membersRouter = router({
  list: authedProcedure
    .input(projects.projectIdInput)
    .query(({ ctx, input }) => members.listMembers(ctx.db, ctx.principal, input)),
  add: authedProcedure
    .input(members.addMemberInput)
    .mutation(({ ctx, input }) => members.addMember(ctx.db, ctx.principal, input)),
  setRoles: authedProcedure
    .input(members.setMemberRolesInput)
    .mutation(({ ctx, input }) => members.setMemberRoles(ctx.db, ctx.principal, input)),
  remove: authedProcedure
    .input(members.removeMemberInput)
    .mutation(({ ctx, input }) => members.removeMember(ctx.db, ctx.principal, input)),
});
