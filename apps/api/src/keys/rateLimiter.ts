const WINDOW_MS = 60_000;

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** epoch seconds when the window resets */
  resetAt: number;
  retryAfterS: number;
}

/**
 * Fixed one-minute windows, in this process only: for the invalid-token limit per address, and for
 * key rate limits while PostgreSQL cannot lease them (see Meter).
 */
export class RateLimiter {
  private readonly windows = new Map<number | string, { start: number; count: number }>();

  take(id: number | string, limit: number, now = Date.now()): RateDecision {
    let w = this.windows.get(id);
    if (!w || now - w.start >= WINDOW_MS) {
      if (this.windows.size > 100_000) this.sweep(now);
      w = { start: now, count: 0 };
      this.windows.set(id, w);
    }
    w.count++;
    const resetMs = w.start + WINDOW_MS;
    return {
      allowed: w.count <= limit,
      limit,
      remaining: Math.max(0, limit - w.count),
      resetAt: Math.ceil(resetMs / 1000),
      retryAfterS: Math.max(1, Math.ceil((resetMs - now) / 1000)),
    };
  }

  /** The current window's state without counting a request; null when nothing was counted. */
  peek(id: number | string, limit: number, now = Date.now()): RateDecision | null {
    const w = this.windows.get(id);
    if (!w || now - w.start >= WINDOW_MS) return null;
    const resetMs = w.start + WINDOW_MS;
    return {
      allowed: w.count < limit,
      limit,
      remaining: Math.max(0, limit - w.count),
      resetAt: Math.ceil(resetMs / 1000),
      retryAfterS: Math.max(1, Math.ceil((resetMs - now) / 1000)),
    };
  }

  private sweep(now: number) {
    for (const [id, w] of this.windows) if (now - w.start >= WINDOW_MS) this.windows.delete(id);
  }
}
