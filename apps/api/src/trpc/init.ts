import { CoreError, type ErrorCode, type Keyring, type Principal, zodToCoreError } from "@keyflow/core";
import type { Db } from "@keyflow/db";
import { initTRPC, TRPCError } from "@trpc/server";
import type { Session } from "lucia";
import superjson from "superjson";
import { ZodError } from "zod";
import type { Auth } from "../auth/lucia";
import type { Config } from "../config";

export interface Context {
  db: Db;
  auth: Auth;
  config: Config;
  keyring: Keyring;
  principal: Principal;
  user: { id: number; email: string; name: string } | null;
  session: Session | null;
  /** An Authorization header was sent: API keys are refused on tRPC (SPEC §2). */
  bearer: boolean;
  ip: string;
  resHeaders: Headers;
}

const CODES: Record<ErrorCode, TRPCError["code"]> = {
  UNAUTHORIZED: "UNAUTHORIZED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  BAD_REQUEST: "BAD_REQUEST",
  CONFLICT: "CONFLICT",
  TOO_MANY_REQUESTS: "TOO_MANY_REQUESTS",
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
};

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const { stack: _stack, ...data } = shape.data;
    if (error.code === "INTERNAL_SERVER_ERROR") return { ...shape, message: "Internal server error", data };
    // input validation failures read like core's: "name: is required"
    if (error.cause instanceof ZodError)
      return { ...shape, message: zodToCoreError(error.cause).message, data };
    return { ...shape, data };
  },
});

/** Core errors become tRPC errors with the same code and message. */
const mapCoreErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof CoreError) {
    const cause = result.error.cause;
    return { ...result, error: new TRPCError({ code: CODES[cause.code], message: cause.message, cause }) };
  }
  return result;
});

const refuseApiKeys = t.middleware(({ ctx, next }) => {
  if (ctx.bearer)
    throw new TRPCError({ code: "UNAUTHORIZED", message: "API keys are accepted only on /api" });
  return next();
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Anyone, signed in or not; core decides what a signed-out visitor may see. */
export const publicProcedure = t.procedure.use(mapCoreErrors).use(refuseApiKeys);

/** Signed-in users only. */
export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.user || !ctx.session) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in required" });
  return next({ ctx: { ...ctx, user: ctx.user, session: ctx.session } });
});

/** Signed-in calls that reveal a token or secret: their answers must never be cached (SPEC §11). */
export const revealProcedure = authedProcedure.use(({ ctx, next }) => {
  ctx.resHeaders.set("Cache-Control", "no-store");
  return next();
});
