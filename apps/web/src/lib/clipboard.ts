import { createSignal, onCleanup } from "solid-js";

export type CopyState = "yes" | "failed" | null;

/**
 * Copying `text()` to the clipboard, with its outcome for a few seconds: "yes", or "failed" when
 * the browser refuses (no permission, not a secure context), so the page can say to copy by hand.
 */
export function createCopy(text: () => string, showMs = 2500) {
  const [copied, setCopied] = createSignal<CopyState>(null);
  let timer: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => clearTimeout(timer));
  async function copy() {
    try {
      await navigator.clipboard.writeText(text());
      setCopied("yes");
    } catch {
      setCopied("failed");
    }
    clearTimeout(timer);
    timer = setTimeout(() => setCopied(null), showMs);
  }
  return { copy, copied };
}
