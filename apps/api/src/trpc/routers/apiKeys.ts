import { apiKeys, metering, usage } from "@keyflow/core";
import {
  addFieldInput,
  approveInput,
  createTemplateInput,
  fieldIdInput,
  grantQuotaInput,
  issuedInput,
  keyIdInput,
  listRequestsInput,
  projectIdInput,
  rejectInput,
  requestIdInput,
  requestKeyInput,
  rollKeyInput,
  suspendKeyInput,
  templateIdInput,
  updateFieldInput,
  updateTemplateInput,
} from "@keyflow/schemas";
import { authedProcedure, revealProcedure, router } from "../init";

export const apiKeysRouter = router({
  listTemplates: authedProcedure
    .input(projectIdInput)
    .query(({ ctx, input }) => apiKeys.listTemplates(ctx.db, ctx.principal, input)),
  createTemplate: authedProcedure
    .input(createTemplateInput)
    .mutation(({ ctx, input }) => apiKeys.createTemplate(ctx.db, ctx.principal, input)),
  updateTemplate: authedProcedure
    .input(updateTemplateInput)
    .mutation(({ ctx, input }) => apiKeys.updateTemplate(ctx.db, ctx.principal, input)),
  deleteTemplate: authedProcedure
    .input(templateIdInput)
    .mutation(({ ctx, input }) => apiKeys.deleteTemplate(ctx.db, ctx.principal, input)),
  addField: authedProcedure
    .input(addFieldInput)
    .mutation(({ ctx, input }) => apiKeys.addField(ctx.db, ctx.principal, input)),
  updateField: authedProcedure
    .input(updateFieldInput)
    .mutation(({ ctx, input }) => apiKeys.updateField(ctx.db, ctx.principal, input)),
  removeField: authedProcedure
    .input(fieldIdInput)
    .mutation(({ ctx, input }) => apiKeys.removeField(ctx.db, ctx.principal, input)),

  request: authedProcedure
    .input(requestKeyInput)
    .mutation(({ ctx, input }) => apiKeys.requestKey(ctx.db, ctx.principal, input, ctx.keyring)),
  withdraw: authedProcedure
    .input(requestIdInput)
    .mutation(({ ctx, input }) => apiKeys.withdrawRequest(ctx.db, ctx.principal, input)),
  listRequests: authedProcedure
    .input(listRequestsInput)
    .query(({ ctx, input }) => apiKeys.listRequests(ctx.db, ctx.principal, input)),
  approve: authedProcedure
    .input(approveInput)
    .mutation(({ ctx, input }) => apiKeys.approveRequest(ctx.db, ctx.principal, input, ctx.keyring)),
  reject: authedProcedure
    .input(rejectInput)
    .mutation(({ ctx, input }) => apiKeys.rejectRequest(ctx.db, ctx.principal, input)),

  issued: authedProcedure
    .input(issuedInput)
    .query(({ ctx, input }) => usage.issued(ctx.db, ctx.principal, input)),
  revoke: authedProcedure
    .input(keyIdInput)
    .mutation(({ ctx, input }) => apiKeys.revokeKey(ctx.db, ctx.principal, input)),
  suspend: authedProcedure
    .input(suspendKeyInput)
    .mutation(({ ctx, input }) => apiKeys.suspendKey(ctx.db, ctx.principal, input)),
  resume: authedProcedure
    .input(keyIdInput)
    .mutation(({ ctx, input }) => apiKeys.resumeKey(ctx.db, ctx.principal, input)),
  // a mutation that may answer with the new token (the holder's roll): never cached
  roll: revealProcedure
    .input(rollKeyInput)
    .mutation(({ ctx, input }) => apiKeys.rollKey(ctx.db, ctx.principal, input, ctx.keyring)),
  grantQuota: authedProcedure
    .input(grantQuotaInput)
    .mutation(({ ctx, input }) => metering.grantQuota(ctx.db, ctx.principal, input)),
  mine: authedProcedure.query(({ ctx }) => apiKeys.myKeys(ctx.db, ctx.principal)),
  reveal: revealProcedure
    .input(keyIdInput)
    .mutation(({ ctx, input }) => apiKeys.revealKey(ctx.db, ctx.principal, input, ctx.keyring)),
});
