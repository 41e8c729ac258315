import { EXPIRY_NOTICE_DAYS } from "@keyflow/schemas";

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

export function formatDateTime(d: Date | string | null | undefined): string {
  if (!d) return "—";
  return dateTime.format(typeof d === "string" ? new Date(d) : d);
}

export function formatDate(d: Date | string | null | undefined): string {
  if (!d) return "—";
  return dateOnly.format(typeof d === "string" ? new Date(d) : d);
}

/** "project_view" → "Project view" */
export function humanize(name: string): string {
  const s = name.replace(/_/g, " ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** A decimal string from the server ("0.010000" → "0.01"); digits are kept, only trailing zeros go. */
export function formatDecimal(s: string | null | undefined): string {
  if (s === null || s === undefined || s === "") return "0";
  if (!s.includes(".")) return s;
  return s.replace(/0+$/, "").replace(/\.$/, "");
}

/** A whole number with the browser's grouping (1 234). */
export function formatCount(n: number): string {
  return n.toLocaleString();
}

const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dayMonth = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });
const DAY_MS = 86_400_000;

/** Midnight of the day of `d`, in the browser's time zone. */
function startOfDay(d: Date): number {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

/**
 * A moment in words, in the user's zone: "today at 20:03", "tomorrow at 09:15", "yesterday at
 * 18:00", "on 3 Dec at 20:03" (with the year when it is not this year's). Never raw ISO.
 */
export function formatWhen(d: Date | string | null | undefined, now: Date = new Date()): string {
  if (!d) return "—";
  const at = typeof d === "string" ? new Date(d) : d;
  const days = Math.round((startOfDay(at) - startOfDay(now)) / DAY_MS);
  const time = clock.format(at);
  if (days === 0) return `today at ${time}`;
  if (days === 1) return `tomorrow at ${time}`;
  if (days === -1) return `yesterday at ${time}`;
  const date = at.getFullYear() === now.getFullYear() ? dayMonth.format(at) : formatDate(at);
  return `on ${date} at ${time}`;
}

/** A span in words, rounded down to its largest unit: "3 days", "5 hours", "1 minute", "less than a minute". */
export function formatDuration(ms: number): string {
  const units: [number, string][] = [
    [DAY_MS, "day"],
    [3_600_000, "hour"],
    [60_000, "minute"],
  ];
  for (const [size, name] of units) {
    const n = Math.floor(Math.abs(ms) / size);
    if (n >= 1) return `${n} ${name}${n === 1 ? "" : "s"}`;
  }
  return "less than a minute";
}

/**
 * "expires in 3 days" while `expiresAt` lies at most EXPIRY_NOTICE_DAYS[0] (7) days ahead, the
 * window in which the holder is e-mailed; null for no expiry, one further off, or one passed.
 */
export function expiresIn(
  expiresAt: Date | string | null | undefined,
  now: Date = new Date(),
): string | null {
  if (!expiresAt) return null;
  const left = new Date(expiresAt).getTime() - now.getTime();
  if (left <= 0 || left > EXPIRY_NOTICE_DAYS[0] * DAY_MS) return null;
  return `expires in ${formatDuration(left)}`;
}
