import type { IncomingMessage } from "node:http";
import { accessTokens, anonymous, CoreError, type Principal, userPrincipal } from "@keyflow/core";
import { ACCESS_TOKEN_PREFIX } from "@keyflow/schemas";
import { TRPCError } from "@trpc/server";
import type { Context as HonoContext } from "hono";
import proxyAddr from "proxy-addr";
import type { AppDeps } from "./deps";
import { isDatabaseUnavailable, logOutage, UNAVAILABLE_MESSAGE } from "./rest/errors";

/** The client's address of a request, for sign-in throttling, the invalid-key limiter and usage events. */
type ClientIp = (c: HonoContext) => string;

const incomingOf = (c: HonoContext) => (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;

/**
 * The TCP peer, or behind trusted proxies (`KEYFLOW_TRUSTED_PROXIES`) the address they forwarded:
 * X-Forwarded-For read from the right, the first hop that is not a trusted proxy (Express's
 * `trust proxy`, by the same library). What a client writes into the header itself is left of
 * its proxy's entry, so it is never believed. "unknown" without a socket (`app.request` in tests).
 */
export function clientIpResolver(trustedProxies: readonly string[]): ClientIp {
  if (trustedProxies.length === 0) return (c) => incomingOf(c)?.socket?.remoteAddress ?? "unknown";
  const trusted = proxyAddr.compile([...trustedProxies]);
  return (c) => {
    const incoming = incomingOf(c);
    return incoming?.socket ? proxyAddr(incoming, trusted) : "unknown";
  };
}

/**
 * The session behind the request's cookie, refreshing the cookie when Lucia extends it.
 * A request with an Authorization header is never cookie-authenticated (SPEC §5).
 */
export async function sessionPrincipal(deps: AppDeps, c: HonoContext, resHeaders: Headers) {
  const sessionId = deps.auth.readSessionCookie(c.req.header("cookie") ?? "");
  if (!sessionId) return { principal: anonymous as Principal, user: null, session: null };
  const { session, user } = await deps.auth.validateSession(sessionId).catch((err: unknown) => {
    if (!isDatabaseUnavailable(err)) throw err;
    // tRPC builds its context outside any procedure: only an error it knows sets the status (503)
    logOutage({ err, path: c.req.path }, "session lookup failed: database unavailable");
    throw new TRPCError({ code: "SERVICE_UNAVAILABLE", message: UNAVAILABLE_MESSAGE, cause: err });
  });
  if (!session) {
    resHeaders.append("Set-Cookie", deps.auth.createBlankSessionCookie().serialize());
    return { principal: anonymous as Principal, user: null, session: null };
  }
  if (session.fresh) resHeaders.append("Set-Cookie", deps.auth.createSessionCookie(session.id).serialize());
  return {
    principal: userPrincipal(user.id),
    user: { id: user.id, email: user.email, name: user.name },
    session,
  };
}

/**
 * Who calls /trpc: a Bearer personal access token (`kfp_…`, SPEC §14; the cookie is then ignored),
 * else the session cookie. Any other Bearer credential (a data-plane `kf_` key, junk) and a bad
 * personal token leave the caller anonymous with `bearerRefusal` set: every procedure refuses it.
 */
export async function trpcCaller(deps: AppDeps, c: HonoContext, resHeaders: Headers) {
  const authorization = c.req.header("authorization");
  if (authorization === undefined)
    return {
      ...(await sessionPrincipal(deps, c, resHeaders)),
      bearer: false,
      accessTokenId: null,
      bearerRefusal: null,
    };
  const refused = (bearerRefusal: string) => ({
    principal: anonymous as Principal,
    user: null,
    session: null,
    bearer: true,
    accessTokenId: null,
    bearerRefusal,
  });
  const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
  if (!token?.startsWith(ACCESS_TOKEN_PREFIX)) return refused("API keys are accepted only on /api");
  try {
    const { tokenId, user } = await accessTokens.verifyAccessToken(deps.db, token);
    return {
      principal: userPrincipal(user.id),
      user,
      session: null,
      bearer: true,
      accessTokenId: tokenId,
      bearerRefusal: null,
    };
  } catch (err) {
    if (err instanceof CoreError) return refused(err.message);
    if (!isDatabaseUnavailable(err)) throw err;
    logOutage({ err, path: c.req.path }, "access token lookup failed: database unavailable");
    throw new TRPCError({ code: "SERVICE_UNAVAILABLE", message: UNAVAILABLE_MESSAGE, cause: err });
  }
}
