import { accessTokens } from "@keyflow/core";
import { accessTokenIdInput, createAccessTokenInput } from "@keyflow/schemas";
import { router, sessionProcedure } from "../init";

/**
 * Personal access tokens (SPEC §14), merged into `auth`: `auth.createAccessToken` etc. Managing
 * tokens needs a session: a token cannot create, list or revoke tokens itself.
 */
export const accessTokensRouter = router({
  createAccessToken: sessionProcedure.input(createAccessTokenInput).mutation(({ ctx, input }) => {
    // the answer holds the token: never cached
    ctx.resHeaders.set("Cache-Control", "no-store");
    return accessTokens.createAccessToken(ctx.db, ctx.principal, input);
  }),
  listAccessTokens: sessionProcedure.query(({ ctx }) => accessTokens.listAccessTokens(ctx.db, ctx.principal)),
  revokeAccessToken: sessionProcedure
    .input(accessTokenIdInput)
    .mutation(({ ctx, input }) => accessTokens.revokeAccessToken(ctx.db, ctx.principal, input)),
});
