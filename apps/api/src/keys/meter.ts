import { type apiKeys, metering } from "@keyflow/core";
import type { Db } from "@keyflow/db";
import { RATE_WAIT_MAX_HELD, RATE_WAIT_MAX_MS } from "@keyflow/schemas";
import { logger } from "../logger";
import { type RateDecision, RateLimiter } from "./rateLimiter";

type Key = Pick<apiKeys.VerifiedKey, "keyId" | "userId" | "rateLimitPerMinute" | "rateLimitMode" | "quota">;
type Quota = NonNullable<Key["quota"]>;

interface RateState {
  windowStart: number;
  /** units leased to this process and not yet spent */
  local: number;
  /** the window's count across processes, as of the last lease */
  used: number;
  previous: number;
  /** no budget left: no lease is tried before this moment */
  retryAt: number;
  leasing: Promise<void> | null;
}

interface QuotaState {
  periodStart: number;
  local: number;
  limit: number;
  leased: number;
  renewsAt: Date | null;
  /** used up: no lease is tried before this moment (a top-up is seen within it) */
  retryAt: number;
  lastUse: number;
  leasing: Promise<void> | null;
}

export type QuotaDecision =
  | { allowed: true; limit: number; remaining: number; renewsAt: Date | null }
  | { allowed: false; limit: number; remaining: 0; renewsAt: Date | null; unavailable?: boolean };

/** A used-up quota is asked again this often, so a top-up is served within it. */
const QUOTA_RECHECK_MS = 1_000;
/** Units a process holds unused this long go back to PostgreSQL for the other processes. */
const QUOTA_IDLE_MS = 2_000;
const SWEEP_MS = 1_000;
const STATES_MAX = 100_000;

/** A slice of what is left: large enough to spare round trips, small enough to waste little at the end. */
const slice = (limit: number, left: number) =>
  Math.max(1, Math.min(Math.ceil(limit / 20), Math.ceil(left / 10)));

/**
 * Rate limits and quotas held across every API process (SPEC §13). Each process leases slices of a
 * key's per-minute budget and blocks of its quota from PostgreSQL and spends them from memory, so a
 * request costs a round trip only when its process's slice is used up. The global counts never pass
 * the limit or the quota; what a process holds unused is lost for the minute (rate) or given back
 * when idle and on shutdown (quota). While PostgreSQL is unreachable, rate limits fall back to this
 * process's own count and quotas refuse (a quota must never be exceeded).
 */
export class Meter {
  private readonly rates = new Map<number, RateState>();
  private readonly quotas = new Map<number, QuotaState>();
  private readonly fallback = new RateLimiter();
  private held = 0;
  private lastWarn = 0;
  private lastRateSweep = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly db: Db) {
    this.timer = setInterval(() => void this.giveBackIdle(), SWEEP_MS);
    this.timer.unref();
  }

  /**
   * admit's answer when memory holds it (a unit of a leased slice, or a refusal in reject mode),
   * without a promise: the steady state. Undefined when it needs admit (a lease, or wait mode
   * holding a refused request); nothing is counted then.
   */
  admitFromMemory(key: Key): RateDecision | undefined {
    const limit = key.rateLimitPerMinute;
    if (limit === null) return undefined;
    const decision = this.rateFromMemory(key.keyId, limit, Date.now());
    return decision && (decision.allowed || key.rateLimitMode !== "wait") ? decision : undefined;
  }

  /** Counts one request against the key's rate limit; in wait mode holds it (≤ 10 s) until it fits. */
  async admit(key: Key): Promise<RateDecision | null> {
    const limit = key.rateLimitPerMinute;
    if (limit === null) return null;
    let decision = await this.takeRate(key.keyId, limit);
    if (decision.allowed || key.rateLimitMode !== "wait" || this.held >= RATE_WAIT_MAX_HELD) return decision;
    this.held++;
    try {
      const deadline = Date.now() + RATE_WAIT_MAX_MS;
      while (!decision.allowed && Date.now() < deadline) {
        const wait = Math.min(
          deadline - Date.now(),
          Math.max(20, (this.rates.get(key.keyId)?.retryAt ?? 0) - Date.now()),
        );
        await new Promise((resolve) => setTimeout(resolve, wait));
        decision = await this.takeRate(key.keyId, limit);
      }
    } finally {
      this.held--;
    }
    return decision;
  }

  /** The key's state for the current window (a new window carries the last one's count as `previous`). */
  private rateState(keyId: number, now: number): RateState {
    const windowStart = metering.rateWindowStart(now);
    let s = this.rates.get(keyId);
    if (!s || s.windowStart !== windowStart) {
      if (this.rates.size >= STATES_MAX) this.sweepRates(windowStart);
      s = {
        windowStart,
        local: 0,
        used: 0,
        previous: s?.windowStart === windowStart - metering.RATE_WINDOW_MS ? (s?.used ?? 0) : 0,
        retryAt: 0,
        leasing: null,
      };
      this.rates.set(keyId, s);
    }
    return s;
  }

  /** What is left of the limit across processes, as last leased (the previous minute weighing in). */
  private rateLeft(s: RateState, limit: number, now: number) {
    const weight = 1 - (now - s.windowStart) / metering.RATE_WINDOW_MS;
    return Math.max(0, limit - Math.floor(s.previous * weight) - s.used);
  }

  /** A unit of the leased slice, or a refusal until retryAt; null when a lease must be asked for. */
  private rateFromMemory(keyId: number, limit: number, now: number): RateDecision | null {
    const s = this.rateState(keyId, now);
    const resetAt = Math.ceil((s.windowStart + metering.RATE_WINDOW_MS) / 1000);
    if (s.local > 0) {
      s.local--;
      return {
        allowed: true,
        limit,
        remaining: this.rateLeft(s, limit, now) + s.local,
        resetAt,
        retryAfterS: 0,
      };
    }
    if (now < s.retryAt)
      return {
        allowed: false,
        limit,
        remaining: 0,
        resetAt,
        retryAfterS: Math.max(1, Math.ceil((s.retryAt - now) / 1000)),
      };
    return null;
  }

  private async takeRate(keyId: number, limit: number): Promise<RateDecision> {
    for (;;) {
      const now = Date.now();
      const decision = this.rateFromMemory(keyId, limit, now);
      if (decision) return decision;
      const state = this.rateState(keyId, now);
      const windowStart = state.windowStart;
      const leased = await this.lease(
        state,
        () => metering.leaseRate(this.db, keyId, limit, slice(limit, this.rateLeft(state, limit, now)), now),
        (lease) => {
          state.local += lease.granted;
          state.used = lease.used;
          state.previous = lease.previous;
          if (lease.granted === 0) {
            // a unit frees when the previous minute's weight drops by one, or when the window turns
            const windowEnd = windowStart + metering.RATE_WINDOW_MS;
            const next =
              lease.previous > 0 ? now + Math.ceil(metering.RATE_WINDOW_MS / lease.previous) : windowEnd;
            state.retryAt = Math.min(windowEnd, Math.max(now + 20, next));
          }
        },
        "rate limit: cannot lease from PostgreSQL; counting in this process only",
      );
      if (!leased) return this.fallback.take(keyId, limit);
    }
  }

  /**
   * reserve's answer when memory holds it (a unit of the leased block, or a refusal until the next
   * check), without a promise: the steady state. Undefined when a lease is needed; nothing is
   * reserved then.
   */
  reserveFromMemory(key: Key): QuotaDecision | undefined {
    return key.quota ? (this.quotaFromMemory(key.keyId, key.quota, Date.now()) ?? undefined) : undefined;
  }

  /** Reserves one unit of the key's quota for this request; `settle` gives it back if the answer is ≥ 400. */
  async reserve(key: Key): Promise<QuotaDecision | null> {
    const quota = key.quota;
    if (!quota) return null;
    for (;;) {
      const now = Date.now();
      const decision = this.quotaFromMemory(key.keyId, quota, now);
      if (decision) return decision;
      const state = this.quotaState(key.keyId, quota, now);
      const leased = await this.lease(
        state,
        () =>
          metering.leaseQuota(
            this.db,
            { keyId: key.keyId, userId: key.userId, ...quota },
            slice(state.limit, state.limit - state.leased),
            new Date(now),
          ),
        (lease) => {
          state.local += lease.granted;
          state.limit = lease.limit;
          state.leased = lease.leased;
          state.renewsAt = lease.renewsAt;
          if (lease.granted === 0) state.retryAt = now + QUOTA_RECHECK_MS;
        },
        "quota: cannot lease from PostgreSQL; refusing calls of keys with a quota",
      );
      if (!leased)
        return {
          allowed: false,
          limit: state.limit,
          remaining: 0,
          renewsAt: state.renewsAt,
          unavailable: true,
        };
    }
  }

  /** The key's state for the current period (a new period starts with nothing leased). */
  private quotaState(keyId: number, quota: Quota, now: number): QuotaState {
    const periodStart = metering.quotaPeriodStart(quota.period, new Date(now)).getTime();
    let s = this.quotas.get(keyId);
    if (!s || s.periodStart !== periodStart) {
      if (this.quotas.size >= STATES_MAX) this.quotas.clear();
      s = {
        periodStart,
        local: 0,
        limit: quota.requests,
        leased: 0,
        renewsAt: metering.quotaRenewsAt(quota.period, new Date(now)),
        retryAt: 0,
        lastUse: now,
        leasing: null,
      };
      this.quotas.set(keyId, s);
    }
    return s;
  }

  /** A unit of the leased block, or a refusal until retryAt; null when a lease must be asked for. */
  private quotaFromMemory(keyId: number, quota: Quota, now: number): QuotaDecision | null {
    const s = this.quotaState(keyId, quota, now);
    if (s.local > 0) {
      s.local--;
      s.lastUse = now;
      return {
        allowed: true,
        limit: s.limit,
        remaining: Math.max(0, s.limit - s.leased) + s.local,
        renewsAt: s.renewsAt,
      };
    }
    if (now < s.retryAt) return { allowed: false, limit: s.limit, remaining: 0, renewsAt: s.renewsAt };
    return null;
  }

  /**
   * One lease per key at a time: a caller that finds one in flight waits for it (and then looks at
   * its state again) instead of asking PostgreSQL too. False when this caller's lease failed.
   */
  private async lease<L>(
    state: { leasing: Promise<void> | null },
    ask: () => Promise<L>,
    apply: (lease: L) => void,
    failure: string,
  ): Promise<boolean> {
    if (state.leasing) {
      await state.leasing;
      return true;
    }
    let ok = true;
    state.leasing = ask()
      .then(apply)
      .catch((err) => {
        ok = false;
        this.warn(err, failure);
      })
      .finally(() => {
        state.leasing = null;
      });
    await state.leasing;
    return ok;
  }

  /** After the answer: a reserved unit not spent (status ≥ 400) goes back to this process's block. */
  settle(key: Key, status: number) {
    if (!key.quota || status < 400) return;
    const s = this.quotas.get(key.keyId);
    if (s && s.periodStart === metering.quotaPeriodStart(key.quota.period, new Date()).getTime()) s.local++;
  }

  /** Units held unused for a while go back to PostgreSQL, so other processes can spend them. */
  private async giveBackIdle(all = false) {
    const now = Date.now();
    const returns: Promise<void>[] = [];
    for (const [keyId, s] of this.quotas) {
      if (s.local === 0 || s.leasing || (!all && now - s.lastUse < QUOTA_IDLE_MS)) continue;
      const units = s.local;
      s.local = 0;
      s.leased -= units;
      returns.push(
        metering
          .returnQuota(this.db, keyId, new Date(s.periodStart), units)
          .catch((err) =>
            this.warn(err, "quota: cannot give back unused units; they stay spent this period"),
          ),
      );
    }
    if (!all && now - this.lastRateSweep > metering.RATE_WINDOW_MS) {
      this.lastRateSweep = now;
      returns.push(
        metering
          .dropOldRateWindows(this.db, now)
          .catch((err) => this.warn(err, "rate limit: cannot drop old windows")),
      );
    }
    await Promise.all(returns);
  }

  private sweepRates(windowStart: number) {
    for (const [id, s] of this.rates) if (s.windowStart < windowStart && !s.leasing) this.rates.delete(id);
  }

  private warn(err: unknown, message: string) {
    const now = Date.now();
    if (now - this.lastWarn < 10_000) return;
    this.lastWarn = now;
    logger.warn({ err: (err as Error).message }, message);
  }

  /** Gives every unused quota unit back (shutdown). */
  async close() {
    clearInterval(this.timer);
    await this.giveBackIdle(true);
  }
}
