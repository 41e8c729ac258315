import { secrets } from "@keyflow/core";
import {
  createSecretInput,
  grantKeyToNodeInput,
  importApiKeyInput,
  listSecretsInput,
  nodeSecretsInput,
  secretIdInput,
  setNodesInput,
  updateSecretInput,
} from "@keyflow/schemas";
import { authedProcedure, revealProcedure, router } from "../init";

export const secretsRouter = router({
  list: authedProcedure
    .input(listSecretsInput)
    .query(({ ctx, input }) => secrets.listSecrets(ctx.db, ctx.principal, input)),
  create: authedProcedure
    .input(createSecretInput)
    .mutation(({ ctx, input }) => secrets.createSecret(ctx.db, ctx.principal, input, ctx.keyring)),
  update: authedProcedure
    .input(updateSecretInput)
    .mutation(({ ctx, input }) => secrets.updateSecret(ctx.db, ctx.principal, input, ctx.keyring)),
  delete: authedProcedure
    .input(secretIdInput)
    .mutation(({ ctx, input }) => secrets.deleteSecret(ctx.db, ctx.principal, input)),
  reveal: revealProcedure
    .input(secretIdInput)
    .mutation(({ ctx, input }) => secrets.revealSecret(ctx.db, ctx.principal, input, ctx.keyring)),
  setNodes: authedProcedure
    .input(setNodesInput)
    .mutation(({ ctx, input }) => secrets.setNodes(ctx.db, ctx.principal, input)),
  /** Every secret of one import of a key, granted to one node in one step. */
  grantKeyToNode: authedProcedure
    .input(grantKeyToNodeInput)
    .mutation(({ ctx, input }) => secrets.grantKeyToNode(ctx.db, ctx.principal, input)),
  importApiKey: authedProcedure
    .input(importApiKeyInput)
    .mutation(({ ctx, input }) => secrets.importApiKey(ctx.db, ctx.principal, input, ctx.keyring)),
  /** Names of the secrets a node can read (its Description tab). */
  forNode: authedProcedure
    .input(nodeSecretsInput)
    .query(({ ctx, input }) => secrets.secretNamesForNode(ctx.db, ctx.principal, input)),
});
