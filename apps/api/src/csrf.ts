import type { MiddlewareHandler } from "hono";
import { SESSION_COOKIE } from "./auth/lucia";

/**
 * Cookie-authenticated state changes must come from our own pages: their Origin must equal APP_URL.
 * Requests without the session cookie (sign-in, Bearer API keys and access tokens) carry no ambient
 * authority.
 */
export function requireSameOrigin(appUrl: string): MiddlewareHandler {
  const allowed = new URL(appUrl).origin;
  // not async: on every API request, it passes the request on without a frame of its own
  return (c, next) => {
    const method = c.req.method;
    const cookie = c.req.header("cookie") ?? "";
    // a Bearer request from a tool carries no cookie; one that does is checked like any other
    const usesCookie = cookie.includes(`${SESSION_COOKIE}=`);
    if (method !== "GET" && method !== "HEAD" && usesCookie && c.req.header("origin") !== allowed) {
      return Promise.resolve(
        c.json({ detail: "Cross-origin request refused: Origin must match APP_URL" }, 403),
      );
    }
    return next();
  };
}
