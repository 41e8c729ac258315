export { grantQuota } from "./grant";
export {
  periodWords,
  type QuotaPeriod,
  quotaPeriodStart,
  quotaRenewsAt,
  RATE_WINDOW_MS,
  rateWindowStart,
} from "./periods";
export { leaseQuota, type QuotaLease, type QuotaOf, returnQuota } from "./quotas";
export { dropOldRateWindows, leaseRate, type RateLease } from "./rateWindows";
