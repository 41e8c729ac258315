import { members } from "@keyflow/core";
import { addMemberInput, projectIdInput, removeMemberInput, setMemberRolesInput } from "@keyflow/schemas";
import { authedProcedure, router } from "../init";

export const membersRouter = router({
  list: authedProcedure
    .input(projectIdInput)
    .query(({ ctx, input }) => members.listMembers(ctx.db, ctx.principal, input)),
  add: authedProcedure
    .input(addMemberInput)
    .mutation(({ ctx, input }) => members.addMember(ctx.db, ctx.principal, input)),
  setRoles: authedProcedure
    .input(setMemberRolesInput)
    .mutation(({ ctx, input }) => members.setMemberRoles(ctx.db, ctx.principal, input)),
  remove: authedProcedure
    .input(removeMemberInput)
    .mutation(({ ctx, input }) => members.removeMember(ctx.db, ctx.principal, input)),
});
