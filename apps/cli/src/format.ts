/** A plain-text table: a header row, a rule, then the rows, columns padded to their widest cell. */
export function table(
  header: string[],
  rows: string[][],
  alignRight: ReadonlySet<number> = new Set(),
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (alignRight.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** RFC 4180 CSV: a field with a comma, quote or line break is quoted, quotes doubled. */
export function csv(header: string[], rows: string[][]): string {
  const field = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  return `${[header, ...rows].map((r) => r.map(field).join(",")).join("\r\n")}\r\n`;
}

/** "2026-12-02 14:05 UTC": readable, the same on every machine. */
export function when(d: Date | null | undefined): string {
  if (!d) return "";
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** A date (YYYY-MM-DD, UTC midnight) or a full ISO instant; a clear error for anything else. */
export function parseDate(option: string, value: string): Date {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const d = day ? new Date(`${value}T00:00:00Z`) : new Date(value);
  // "2026-02-31" would silently become 3 March
  if (Number.isNaN(d.getTime()) || (day && d.toISOString().slice(0, 10) !== value))
    throw new UsageError(`--${option}: "${value}" is not a date (use YYYY-MM-DD)`);
  return d;
}

/**
 * The period of `--from` / `--to`: days are inclusive (`--to 2026-12-31` counts the whole 31st);
 * by default the current calendar month (UTC).
 */
export function period(from: string | undefined, to: string | undefined, now = new Date()) {
  const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const nextMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  const start = from ? parseDate("from", from) : monthStart;
  let end = nextMonth;
  if (to) {
    end = parseDate("to", to);
    if (/^\d{4}-\d{2}-\d{2}$/.test(to)) end = new Date(end.getTime() + 86_400_000);
  }
  return { from: start, to: end };
}

/** A mistake in the command line itself (not the server's answer). */
export class UsageError extends Error {}
