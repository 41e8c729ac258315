import type { AppRouter } from "@keyflow/api/router";
import { createTRPCClient, httpLink } from "@trpc/client";
import superjson from "superjson";

/** A tRPC client of a Keyflow server that authenticates with a personal access token (SPEC §14). */
export function createClient(baseUrl: string, token: string) {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${baseUrl.replace(/\/+$/, "")}/trpc`,
        transformer: superjson,
        headers: { authorization: `Bearer ${token}` },
      }),
    ],
  });
}

export type Client = ReturnType<typeof createClient>;
