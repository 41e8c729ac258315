import { z } from "zod";
import { id, pageSize, text } from "./primitives";

export const MAX_PERIOD_DAYS = 400;
/** Instants PostgreSQL's timestamptz and JavaScript both hold; outside → a clear 400, not a 500. */
const instant = z.coerce
  .date({ error: "must be a date" })
  .min(new Date("1970-01-01T00:00:00Z"), "must be in 1970 or later")
  .max(new Date("9999-12-31T00:00:00Z"), "must be before the year 10000");

const period = z
  .object({ from: instant, to: instant })
  .refine((p) => p.from < p.to, { message: "must be before to", path: ["from"] })
  .refine((p) => p.to.getTime() - p.from.getTime() <= MAX_PERIOD_DAYS * 86_400_000, {
    message: `the period may span at most ${MAX_PERIOD_DAYS} days`,
    path: ["to"],
  });

export const issuedInput = z
  .object({
    projectId: id,
    from: instant,
    to: instant,
    page: z.number().int().min(1).max(100_000).default(1),
    pageSize: pageSize.default(20),
  })
  .and(period);

export const USAGE_BUCKETS = ["hour", "day"] as const;
export const seriesInput = z
  .object({
    keyId: id.optional(),
    projectId: id.optional(),
    from: instant,
    to: instant,
    bucket: z.enum(USAGE_BUCKETS),
    /** IANA zone for day buckets, e.g. "Europe/Moscow"; hours are UTC */
    timeZone: text().max(64).default("UTC"),
  })
  .and(period)
  .refine((v) => (v.keyId === undefined) !== (v.projectId === undefined), {
    message: "give exactly one of keyId and projectId",
    path: ["keyId"],
  });
