import { createRenderEffect } from "solid-js";

const APP_NAME = "Keyflow";

/** "Graph · Weather · Keyflow": the page's own words first, the app's name last; empty parts are left out. */
export function documentTitle(...parts: (string | null | undefined)[]): string {
  return [...parts.filter((p): p is string => !!p), APP_NAME].join(" · ");
}

/**
 * Sets the document title while the calling page is shown: `usePageTitle("Account")` or, for a
 * title that depends on data, `usePageTitle(() => ["Graph", project()?.name])`. Every page calls
 * it once; the project shell sets its sections' titles, so those pages need not.
 */
export function usePageTitle(title: string | (() => string | (string | null | undefined)[])) {
  createRenderEffect(() => {
    const t = typeof title === "function" ? title() : title;
    document.title = Array.isArray(t) ? documentTitle(...t) : documentTitle(t);
  });
}
