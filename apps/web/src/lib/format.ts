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
