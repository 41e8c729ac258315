import { CoreError, type ErrorCode, type Keyring, type Principal, zodToCoreError } from "@keyflow/core";
import type { Db } from "@keyflow/db";
import { jsonProblem } from "@keyflow/schemas";
import { initTRPC, TRPCError } from "@trpc/server";
import type { Session } from "lucia";
import superjson, { type SuperJSONResult } from "superjson";
import { ZodError } from "zod";
import type { Auth } from "../auth/lucia";
import type { Config } from "../config";
import { isDatabaseUnavailable, logOutage, UNAVAILABLE_MESSAGE } from "../rest/errors";

export interface Context {
  db: Db;
  auth: Auth;
  config: Config;
  keyring: Keyring;
  principal: Principal;
  user: { id: number; email: string; name: string } | null;
  session: Session | null;
  /** An Authorization header was sent (the cookie is then ignored). */
  bearer: boolean;
  /** The personal access token (`kfp_`, SPEC §14) this call authenticated with, if any. */
  accessTokenId: number | null;
  /** Why the Bearer credential is refused: API keys are accepted only on /api (SPEC §2), bad tokens. */
  bearerRefusal: string | null;
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

/**
 * superjson, refusing inputs nested deeper than JSON bodies may be before superjson (and zod) walk
 * them recursively: a deep one would overflow the stack.
 */
const transformer = {
  input: {
    serialize: superjson.serialize,
    deserialize: (input: unknown) => {
      const problem = jsonProblem(input, { storable: false });
      if (problem) throw new TRPCError({ code: "BAD_REQUEST", message: `input: ${problem}` });
      return superjson.deserialize(input as SuperJSONResult);
    },
  },
  output: superjson,
};

/** tRPC wraps whatever reading the input threw (JSON.parse, superjson) as BAD_REQUEST with its text. */
function inputReadMessage(cause: Error): string {
  return cause instanceof SyntaxError ? "input: is not valid JSON" : "input: is not valid superjson";
}

/**
 * The field a "field: reason" error names, split out so a form can say it in its own words
 * ("Current password is wrong") instead of showing the input's path.
 */
function fieldOf(cause: CoreError): { field: string; reason: string } | undefined {
  const field = cause.extra.field;
  if (!field || !cause.message.startsWith(`${field}: `)) return undefined;
  return { field, reason: cause.message.slice(field.length + 2) };
}

const t = initTRPC.context<Context>().create({
  transformer,
  errorFormatter({ shape, error }) {
    const { stack: _stack, ...data } = shape.data;
    if (error.code === "INTERNAL_SERVER_ERROR") return { ...shape, message: "Internal server error", data };
    // input validation failures read like core's: "name: is required"
    if (error.cause instanceof ZodError) {
      const core = zodToCoreError(error.cause);
      return { ...shape, message: core.message, data: { ...data, ...fieldOf(core) } };
    }
    // a foreign error's text (a JSON.parse position, a stack overflow) never reaches the caller
    if (error.code === "BAD_REQUEST" && error.cause && !(error.cause instanceof CoreError))
      return { ...shape, message: inputReadMessage(error.cause), data };
    if (error.cause instanceof CoreError) return { ...shape, data: { ...data, ...fieldOf(error.cause) } };
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

/** A database outage is SERVICE_UNAVAILABLE (503) with a plain message, its cause logged. */
const mapDatabaseOutage = t.middleware(async ({ next, path }) => {
  const result = await next();
  if (!result.ok && result.error.code !== "SERVICE_UNAVAILABLE" && isDatabaseUnavailable(result.error)) {
    const cause = result.error.cause ?? result.error;
    logOutage({ err: cause, path }, "tRPC procedure failed: database unavailable");
    return {
      ...result,
      error: new TRPCError({ code: "SERVICE_UNAVAILABLE", message: UNAVAILABLE_MESSAGE, cause }),
    };
  }
  return result;
});

const refuseApiKeys = t.middleware(({ ctx, next }) => {
  if (ctx.bearerRefusal !== null) throw new TRPCError({ code: "UNAUTHORIZED", message: ctx.bearerRefusal });
  return next();
});

export const router = t.router;
export const mergeRouters = t.mergeRouters;
export const createCallerFactory = t.createCallerFactory;

/** Anyone, signed in or not; core decides what a signed-out visitor may see. */
export const publicProcedure = t.procedure.use(mapDatabaseOutage).use(mapCoreErrors).use(refuseApiKeys);

/** Signed-in users only: by session, or by a personal access token acting as its user. */
export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.user) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in required" });
  return next({ ctx: { ...ctx, user: ctx.user } });
});

/** A signed-in session only: managing access tokens, passwords and sessions (SPEC §14). */
export const sessionProcedure = authedProcedure.use(({ ctx, next }) => {
  if (ctx.accessTokenId !== null)
    throw new TRPCError({
      code: "FORBIDDEN",
      message: "Personal access tokens cannot do this: sign in to the web app",
    });
  if (!ctx.session) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in required" });
  return next({ ctx: { ...ctx, session: ctx.session } });
});

/** Signed-in calls that reveal a token or secret: their answers must never be cached (SPEC §11). */
export const revealProcedure = authedProcedure.use(({ ctx, next }) => {
  ctx.resHeaders.set("Cache-Control", "no-store");
  return next();
});
