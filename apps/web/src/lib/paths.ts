import { webPaths } from "@keyflow/schemas";

/** Where to go after signing in: the `next` parameter when it is a local path. */
export function nextPath(next: string | string[] | undefined): string {
  const n = Array.isArray(next) ? next[0] : next;
  return n?.startsWith("/") && !n.startsWith("//") ? n : webPaths.projects;
}

/** The sign-in page, coming back to `next` (a local path) afterwards. */
export const signInPath = (next: string) => `${webPaths.signIn}?next=${encodeURIComponent(next)}`;
