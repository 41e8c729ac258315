import { secrets } from "@keyflow/core";
import { authedProcedure, revealProcedure, router } from "../init";

export const secretsRouter = router({
  list: authedProcedure
    .input(secrets.listSecretsInput)
    .query(({ ctx, input }) => secrets.listSecrets(ctx.db, ctx.principal, input)),
  create: authedProcedure
    .input(secrets.createSecretInput)
    .mutation(({ ctx, input }) => secrets.createSecret(ctx.db, ctx.principal, input, ctx.keyring)),
  update: authedProcedure
    .input(secrets.updateSecretInput)
    .mutation(({ ctx, input }) => secrets.updateSecret(ctx.db, ctx.principal, input, ctx.keyring)),
  delete: authedProcedure
    .input(secrets.secretIdInput)
    .mutation(({ ctx, input }) => secrets.deleteSecret(ctx.db, ctx.principal, input)),
  reveal: revealProcedure
    .input(secrets.secretIdInput)
    .mutation(({ ctx, input }) => secrets.revealSecret(ctx.db, ctx.principal, input, ctx.keyring)),
  setNodes: authedProcedure
    .input(secrets.setNodesInput)
    .mutation(({ ctx, input }) => secrets.setNodes(ctx.db, ctx.principal, input)),
  importApiKey: authedProcedure
    .input(secrets.importApiKeyInput)
    .mutation(({ ctx, input }) => secrets.importApiKey(ctx.db, ctx.principal, input, ctx.keyring)),
  /** Names of the secrets a node can read (its Description tab). */
  forNode: authedProcedure
    .input(secrets.nodeSecretsInput)
    .query(({ ctx, input }) => secrets.secretNamesForNode(ctx.db, ctx.principal, input)),
});
