import { isIP } from "node:net";
import { type apiKeys, metering, type usage } from "@keyflow/core";
import type { UsageOutcome } from "@keyflow/db";
import { ACCESS_TOKEN_PREFIX } from "@keyflow/schemas";
import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes, routePath } from "hono/route";
import { sessionPrincipal } from "../context";
import type { AppDeps } from "../deps";
import type { Services } from "../services";
import type { RestEnv } from "./env";

const INVALID_KEYS_PER_MINUTE = 60;
const BEARER = /^Bearer\s+(\S+)\s*$/i;

const REFUSALS = {
  malformed: "Malformed API key",
  unknown: "Unknown API key",
  revoked: "API key revoked",
  expired: "API key expired",
  suspended: "API key suspended",
  rolled: "API key rolled: use the new token",
} as const;

export function outcomeOf(status: number): UsageOutcome {
  if (status < 400) return "ok";
  if (status === 429) return "rate_limited";
  if (status === 401 || status === 403) return "denied";
  return status >= 500 ? "server_error" : "client_error";
}

/**
 * Authenticates /api requests: a Bearer API key (cookie then ignored; an invalid key is 401 with no
 * fallback), else the session cookie, else a signed-out visitor. Key requests are rate-limited per
 * template and recorded as usage events.
 */
export function restAuth(deps: AppDeps, services: Services): MiddlewareHandler<RestEnv> {
  return async (c, next) => {
    const authorization = c.req.header("authorization");
    if (authorization === undefined) {
      const resHeaders = new Headers();
      // a database failure propagates (500, logged), never a signed-out visitor
      const { principal } = await sessionPrincipal(deps, c, resHeaders);
      c.set("principal", principal);
      await next();
      for (const cookie of resHeaders.getSetCookie()) c.header("Set-Cookie", cookie, { append: true });
      return;
    }

    const started = performance.now();
    const ip = services.clientIp(c);
    // one usage event of this request (buffered, see UsageRecorder)
    const record = (key: apiKeys.VerifiedKey, status: number) =>
      services.usage.record(usageEvent(c, key, status, started, ip));
    // junk tokens from one address are limited so they cannot each cost a lookup; a real key from
    // that address is still verified (the verifier knows real keys without a lookup per token)
    const ipState = services.invalidKeyLimiter.peek(ip, INVALID_KEYS_PER_MINUTE);
    const throttled = ipState !== null && !ipState.allowed;
    const tooMany = () => {
      c.header("Retry-After", String(ipState?.retryAfterS ?? 60));
      return c.json({ detail: "Too many invalid API keys from this address" }, 429);
    };
    const refuse = (message: string, junk: boolean) => {
      services.invalidKeyLimiter.take(ip, INVALID_KEYS_PER_MINUTE);
      return junk && throttled ? tooMany() : c.json({ detail: message }, 401);
    };
    const match = BEARER.exec(authorization);
    if (!match) return refuse("Authorization must be 'Bearer <API key>'", true);
    if (match[1]!.startsWith(ACCESS_TOKEN_PREFIX))
      return c.json({ detail: "Personal access tokens are accepted only on /trpc" }, 401);
    // a cached key is answered without a promise (the steady state); anything else is looked up
    const verification =
      services.verifier.verifyFromMemory(match[1]!) ??
      (await services.verifier.verify(match[1]!, { throttled }));
    if ("refusal" in verification && verification.refusal === "throttled") return tooMany();
    if ("refusal" in verification || verification.key.roleId === null) {
      const refusal = "refusal" in verification ? verification.refusal : "revoked";
      // a suspended key is known and paused, not unauthenticated: 403 with the owner's reason
      if (refusal === "suspended" && verification.key) {
        record(verification.key, 403);
        return c.json({ detail: `API key suspended: ${verification.key.suspendReason ?? ""}` }, 403);
      }
      if (verification.key) record(verification.key, 401);
      // a revoked, expired or rolled key is a real one: it is told so, never throttled as junk
      return refuse(REFUSALS[refusal], refusal === "malformed" || refusal === "unknown");
    }
    const key = verification.key;
    // global across API processes (SPEC §13): leased from PostgreSQL in slices, spent from memory
    // (without a promise while a slice lasts); a key without a limit or a quota has nothing to count
    const rate =
      key.rateLimitPerMinute === null
        ? null
        : (services.meter.admitFromMemory(key) ?? (await services.meter.admit(key)));
    if (rate) {
      c.header("X-RateLimit-Limit", String(rate.limit));
      c.header("X-RateLimit-Remaining", String(rate.remaining));
      c.header("X-RateLimit-Reset", String(rate.resetAt));
      if (!rate.allowed) {
        c.header("Retry-After", String(rate.retryAfterS));
        record(key, 429);
        return c.json({ detail: `Rate limit of ${rate.limit} requests per minute exceeded` }, 429);
      }
    }
    const quota =
      key.quota === null
        ? null
        : (services.meter.reserveFromMemory(key) ?? (await services.meter.reserve(key)));
    if (quota && key.quota) {
      c.header("X-Quota-Limit", String(quota.limit));
      c.header("X-Quota-Remaining", String(quota.remaining));
      c.header(
        "X-Quota-Reset",
        quota.renewsAt ? String(Math.ceil(quota.renewsAt.getTime() / 1000)) : "never",
      );
      if (!quota.allowed) {
        if (quota.unavailable) {
          record(key, 503);
          return c.json({ detail: "The key's quota cannot be checked right now; try again shortly" }, 503);
        }
        record(key, 429);
        return c.json({ detail: quotaUsedUp(key.quota, quota.limit, quota.renewsAt) }, 429);
      }
    }
    c.set("key", key);
    c.set(
      "principal",
      services.verifier.principalFromMemory(key) ?? (await services.verifier.principalFor(key)),
    );
    // a write commits its own usage event in its transaction (a crash then loses none of them)
    let committed = false;
    c.set("usageInTransaction", (status) => {
      committed = true;
      return usageEvent(c, key, status, started, ip);
    });
    try {
      await next();
    } finally {
      // an answer ≥ 400 (or a thrown error) spends no quota
      services.meter.settle(key, c.res.status);
    }
    // a write whose transaction failed answered an error: that one is buffered like any other
    if (!committed || c.res.status >= 400) record(key, c.res.status);
  };
}

/**
 * The route template the request matched, e.g. `/api/projects/:projectId/data_layers/last`: its
 * first handler. Not the last matched route: the web app's static middleware (`/*`, every
 * method) and SPA fallback match every path after the API's routes.
 */
function routeTemplate(c: Context<RestEnv>): string {
  return matchedRoutes(c).find((r) => r.method !== "ALL")?.path ?? routePath(c);
}

/** The 429 of a used-up quota, with when it renews (SPEC §13). */
function quotaUsedUp(quota: NonNullable<apiKeys.VerifiedKey["quota"]>, limit: number, renewsAt: Date | null) {
  const renews = renewsAt ? `; renews at ${renewsAt.toISOString()}` : "";
  return `Quota of ${limit} requests ${metering.periodWords(quota.period)} used up${renews}`;
}

/** A key request's usage event; `ip` is the client's address (SPEC §13), kept when PostgreSQL's inet takes it. */
function usageEvent(
  c: Context<RestEnv>,
  key: apiKeys.VerifiedKey,
  status: number,
  started: number,
  ip: string,
): usage.UsageEvent {
  return {
    keyId: key.keyId,
    at: new Date(),
    method: c.req.method,
    route: routeTemplate(c),
    status,
    outcome: outcomeOf(status),
    durationMs: performance.now() - started,
    price: key.pricePerRequest,
    ip: isIP(ip) ? ip : null,
  };
}
