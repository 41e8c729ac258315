import { auth } from "@keyflow/core";
import { changePasswordInput, signInInput, signUpInput } from "@keyflow/schemas";
import { publicProcedure, router, sessionProcedure } from "../init";

export const authRouter = router({
  signUp: publicProcedure.input(signUpInput).mutation(async ({ ctx, input }) => {
    const user = await auth.signUp(ctx.db, input);
    const session = await ctx.auth.createSession(user.id, {});
    ctx.resHeaders.append("Set-Cookie", ctx.auth.createSessionCookie(session.id).serialize());
    return user;
  }),

  signIn: publicProcedure.input(signInInput).mutation(async ({ ctx, input }) => {
    const user = await auth.verifyCredentials(ctx.db, input, ctx.ip);
    const session = await ctx.auth.createSession(user.id, {});
    ctx.resHeaders.append("Set-Cookie", ctx.auth.createSessionCookie(session.id).serialize());
    return user;
  }),

  signOut: sessionProcedure.mutation(async ({ ctx }) => {
    await ctx.auth.invalidateSession(ctx.session.id);
    ctx.resHeaders.append("Set-Cookie", ctx.auth.createBlankSessionCookie().serialize());
    return { ok: true };
  }),

  /** Ends every session of the user, this one included. */
  signOutEverywhere: sessionProcedure.mutation(async ({ ctx }) => {
    await ctx.auth.invalidateUserSessions(ctx.user.id);
    ctx.resHeaders.append("Set-Cookie", ctx.auth.createBlankSessionCookie().serialize());
    return { ok: true };
  }),

  changePassword: sessionProcedure.input(changePasswordInput).mutation(async ({ ctx, input }) => {
    await auth.changePassword(ctx.db, ctx.user.id, input);
    // every other session ends; this one is replaced by a fresh session
    await ctx.auth.invalidateUserSessions(ctx.user.id);
    const session = await ctx.auth.createSession(ctx.user.id, {});
    ctx.resHeaders.append("Set-Cookie", ctx.auth.createSessionCookie(session.id).serialize());
    return { ok: true };
  }),

  me: publicProcedure.query(({ ctx }) => ctx.user),
});
