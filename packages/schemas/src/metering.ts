import { z } from "zod";
import { id } from "./primitives";

/** Template options of SPEC §13: over the rate limit, refuse (429) or hold the request. */
export const RATE_LIMIT_MODES = ["reject", "wait"] as const;
export const QUOTA_PERIODS = ["day", "month", "total"] as const;
export type QuotaPeriod = (typeof QUOTA_PERIODS)[number];
export type RateLimitMode = (typeof RATE_LIMIT_MODES)[number];
/** How a quota's period reads after its number, in messages and pages: "3 requests per month". */
export const QUOTA_PERIOD_WORDS: Record<QuotaPeriod, string> = {
  day: "per day",
  month: "per month",
  total: "in total",
};
export const MAX_QUOTA_REQUESTS = 1_000_000_000;
/** Wait mode holds a request over the rate limit at most this long, then answers 429. */
export const RATE_WAIT_MAX_MS = 10_000;
/** Requests held in wait mode per API process; beyond them 429 at once. */
export const RATE_WAIT_MAX_HELD = 1_000;

export const quotaSetting = z
  .object({
    requests: z.number().int().min(1).max(MAX_QUOTA_REQUESTS),
    period: z.enum(QUOTA_PERIODS),
  })
  .nullable();

/** An owner's top-up of one key's quota for the current period. */
export const grantQuotaInput = z.object({
  keyId: id,
  requests: z.number().int().min(1).max(MAX_QUOTA_REQUESTS),
});
