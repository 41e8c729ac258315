import { QUOTA_PERIOD_WORDS, type QuotaPeriod } from "@keyflow/schemas";

/** The period a quota counts in (SPEC §13). */
export type { QuotaPeriod };

/** A `total` quota has one period that never renews: it starts at the epoch. */
const TOTAL_START = new Date(0);

/** Where the quota period containing `now` starts (UTC days and months). */
export function quotaPeriodStart(period: QuotaPeriod, now: Date): Date {
  if (period === "day") return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  if (period === "month") return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  return TOTAL_START;
}

/** When the period containing `now` renews; null for a `total` quota, which never does. */
export function quotaRenewsAt(period: QuotaPeriod, now: Date): Date | null {
  if (period === "day")
    return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
  if (period === "month") return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  return null;
}

/** "per day", "per month", "in total": how messages name the period. */
export const periodWords = (period: QuotaPeriod) => QUOTA_PERIOD_WORDS[period];

/** Rate limits count in one-minute windows aligned to the minute; the previous one weighs in (sliding). */
export const RATE_WINDOW_MS = 60_000;
export const rateWindowStart = (nowMs: number) => Math.floor(nowMs / RATE_WINDOW_MS) * RATE_WINDOW_MS;
