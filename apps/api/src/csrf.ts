import type { MiddlewareHandler } from "hono";
import { SESSION_COOKIE } from "./auth/lucia";

/**
 * Cookie-authenticated state changes must come from our own pages: their Origin must equal APP_URL.
 * Requests without the session cookie (sign-in, bearer API calls) carry no ambient authority.
 */
export function requireSameOrigin(appUrl: string): MiddlewareHandler {
  const allowed = new URL(appUrl).origin;
  return async (c, next) => {
    const method = c.req.method;
    const cookie = c.req.header("cookie") ?? "";
    const usesCookie = cookie.includes(`${SESSION_COOKIE}=`) && !c.req.header("authorization");
    if (method !== "GET" && method !== "HEAD" && usesCookie && c.req.header("origin") !== allowed) {
      return c.json({ detail: "Cross-origin request refused: Origin must match APP_URL" }, 403);
    }
    await next();
  };
}
