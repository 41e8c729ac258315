import type { AppRouter } from "@keyflow/api/router";
import { createTRPCClient, httpLink } from "@trpc/client";
import superjson from "superjson";

export type ApiClient = ReturnType<typeof createApiClient>;

/**
 * A tRPC client with its own cookie jar, for setting up a test outside the browser as one user.
 * It sends the Origin header a browser would, so the API's CSRF check lets its mutations through.
 */
export function createApiClient(baseUrl: string) {
  const jar = new Map<string, string>();
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${baseUrl}/trpc`,
        transformer: superjson,
        fetch: async (url, init) => {
          const headers = new Headers(init?.headers);
          if (jar.size > 0) headers.set("cookie", [...jar].map(([k, v]) => `${k}=${v}`).join("; "));
          headers.set("origin", baseUrl);
          const res = await fetch(url, { ...(init as RequestInit), headers });
          for (const cookie of res.headers.getSetCookie()) {
            const [pair] = cookie.split(";");
            const [key, value] = (pair ?? "").split("=");
            if (!key) continue;
            if (value) jar.set(key, value);
            else jar.delete(key);
          }
          return res;
        },
      }),
    ],
  });
}
