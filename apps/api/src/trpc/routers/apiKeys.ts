import { apiKeys, projects, usage } from "@keyflow/core";
import { authedProcedure, revealProcedure, router } from "../init";

export const apiKeysRouter = router({
  listTemplates: authedProcedure
    .input(projects.projectIdInput)
    .query(({ ctx, input }) => apiKeys.listTemplates(ctx.db, ctx.principal, input)),
  createTemplate: authedProcedure
    .input(apiKeys.createTemplateInput)
    .mutation(({ ctx, input }) => apiKeys.createTemplate(ctx.db, ctx.principal, input)),
  updateTemplate: authedProcedure
    .input(apiKeys.updateTemplateInput)
    .mutation(({ ctx, input }) => apiKeys.updateTemplate(ctx.db, ctx.principal, input)),
  deleteTemplate: authedProcedure
    .input(apiKeys.templateIdInput)
    .mutation(({ ctx, input }) => apiKeys.deleteTemplate(ctx.db, ctx.principal, input)),
  addField: authedProcedure
    .input(apiKeys.addFieldInput)
    .mutation(({ ctx, input }) => apiKeys.addField(ctx.db, ctx.principal, input)),
  updateField: authedProcedure
    .input(apiKeys.updateFieldInput)
    .mutation(({ ctx, input }) => apiKeys.updateField(ctx.db, ctx.principal, input)),
  removeField: authedProcedure
    .input(apiKeys.fieldIdInput)
    .mutation(({ ctx, input }) => apiKeys.removeField(ctx.db, ctx.principal, input)),

  request: authedProcedure
    .input(apiKeys.requestKeyInput)
    .mutation(({ ctx, input }) => apiKeys.requestKey(ctx.db, ctx.principal, input)),
  withdraw: authedProcedure
    .input(apiKeys.requestIdInput)
    .mutation(({ ctx, input }) => apiKeys.withdrawRequest(ctx.db, ctx.principal, input)),
  listRequests: authedProcedure
    .input(apiKeys.listRequestsInput)
    .query(({ ctx, input }) => apiKeys.listRequests(ctx.db, ctx.principal, input)),
  approve: authedProcedure
    .input(apiKeys.requestIdInput)
    .mutation(({ ctx, input }) => apiKeys.approveRequest(ctx.db, ctx.principal, input, ctx.keyring)),
  reject: authedProcedure
    .input(apiKeys.rejectInput)
    .mutation(({ ctx, input }) => apiKeys.rejectRequest(ctx.db, ctx.principal, input)),

  issued: authedProcedure
    .input(usage.issuedInput)
    .query(({ ctx, input }) => usage.issued(ctx.db, ctx.principal, input)),
  revoke: authedProcedure
    .input(apiKeys.keyIdInput)
    .mutation(({ ctx, input }) => apiKeys.revokeKey(ctx.db, ctx.principal, input)),
  mine: authedProcedure.query(({ ctx }) => apiKeys.myKeys(ctx.db, ctx.principal)),
  reveal: revealProcedure
    .input(apiKeys.keyIdInput)
    .mutation(({ ctx, input }) => apiKeys.revealKey(ctx.db, ctx.principal, input, ctx.keyring)),
});
