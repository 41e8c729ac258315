/**
 * Polls `probe` until it returns something truthy and returns that; fails naming `what` (and
 * whatever `context()` adds, e.g. a process's output) after the deadline. Tests await states
 * with it, never fixed sleeps.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | Promise<T>,
  opts: { timeoutMs?: number; intervalMs?: number; context?: () => string } = {},
): Promise<NonNullable<T>> {
  const { timeoutMs = 15_000, intervalMs = 25 } = opts;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) {
      const context = opts.context?.();
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${context ? `\n${context}` : ""}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
