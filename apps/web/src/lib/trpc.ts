import type { AppRouter } from "@keyflow/api/router";
import { createTRPCClient, httpBatchLink, TRPCClientError } from "@trpc/client";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import superjson from "superjson";
import { fieldMessage } from "./fieldLabels";

/** The one tRPC client of the web app; the session cookie travels on every same-origin call. */
export const trpc = createTRPCClient<AppRouter>({
  links: [
    httpBatchLink({
      url: "/trpc",
      transformer: superjson,
      fetch: (url, init) => fetch(url, { ...(init as RequestInit), credentials: "same-origin" }),
    }),
  ],
});

export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type RouterInputs = inferRouterInputs<AppRouter>;

/**
 * A human-readable message for anything a call may throw. A refused input field is named the way
 * the form names it (the server sends the field and its reason apart: see lib/fieldLabels.ts).
 */
export function errorMessage(e: unknown): string {
  if (e instanceof TRPCClientError) {
    const data = e.data as { field?: unknown; reason?: unknown } | undefined;
    if (typeof data?.field === "string" && typeof data.reason === "string")
      return fieldMessage(data.field, data.reason);
    return e.message || "The server refused the request";
  }
  if (e instanceof Error) {
    if (e.message === "Failed to fetch") return "Cannot reach the server. Check your connection and retry.";
    return e.message;
  }
  return String(e);
}

/** The tRPC error code (UNAUTHORIZED, NOT_FOUND, …) of an error, if it is one. */
export function errorCode(e: unknown): string | undefined {
  if (e instanceof TRPCClientError) return (e.data as { code?: string } | undefined)?.code;
  return undefined;
}
