/** Periods of the Issued keys toolbar, in the browser's time zone; all are half-open [from, to). */
export type PeriodKind = "today" | "7d" | "30d" | "custom";

export interface Period {
  from: Date;
  to: Date;
  bucket: "hour" | "day";
}

/** The browser's IANA time zone, sent with every series query. */
export const TIME_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

const DAY_MS = 86_400_000;

export function startOfLocalDay(d: Date): Date {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate());
}

export function addLocalDays(d: Date, days: number): Date {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + days);
}

/** "2024-05-31" (an <input type=date> value) → local midnight of that day. */
export function parseDateInput(v: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (!m) return null;
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
}

export function toDateInput(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** Hourly buckets up to two days, daily beyond. */
export function bucketFor(from: Date, to: Date): "hour" | "day" {
  return to.getTime() - from.getTime() <= 2 * DAY_MS + 3_600_000 ? "hour" : "day";
}

/**
 * The period for a toolbar choice, whole local days: today, the last 7 or 30 days including
 * today, or a custom range of days (both ends included). Null when a custom range is invalid.
 */
export function computePeriod(
  kind: PeriodKind,
  custom: { from: string; to: string },
  now = new Date(),
): Period | null {
  const tomorrow = addLocalDays(startOfLocalDay(now), 1);
  let from: Date;
  let to: Date;
  if (kind === "custom") {
    const f = parseDateInput(custom.from);
    const t = parseDateInput(custom.to);
    if (!f || !t || t < f) return null;
    from = f;
    to = addLocalDays(t, 1);
  } else {
    const days = kind === "today" ? 1 : kind === "7d" ? 7 : 30;
    from = addLocalDays(tomorrow, -days);
    to = tomorrow;
  }
  return { from, to, bucket: bucketFor(from, to) };
}

/**
 * Bucket starts covering [from, to): every local hour, or every local midnight. The server only
 * returns buckets that saw requests; the chart shows the others as zero.
 */
export function bucketStarts(p: Period): Date[] {
  const out: Date[] = [];
  if (p.bucket === "hour") {
    const first = new Date(p.from);
    first.setMinutes(0, 0, 0);
    for (let t = first.getTime(); t < p.to.getTime(); t += 3_600_000) out.push(new Date(t));
  } else {
    for (let d = startOfLocalDay(p.from); d < p.to; d = addLocalDays(d, 1)) out.push(d);
  }
  return out;
}
