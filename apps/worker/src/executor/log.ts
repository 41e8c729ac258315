/**
 * Collects a job's merged output: keeps the first `limit` bytes plus enough beyond them that a
 * secret starting before the cut is still seen whole, and drains (counts) the rest so the child
 * never blocks on a full pipe.
 */
export class LogCollector {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private total = 0;
  private readonly keep: number;

  private readonly maskValues: readonly string[];

  constructor(
    readonly limit: number,
    maskValues: readonly string[],
  ) {
    // values this short (node ids, flags from key fields) would garble every number in the log
    // and hide nothing worth hiding
    this.maskValues = maskValues.filter((v) => v.length >= MIN_MASKED_LENGTH);
    const longest = Math.max(0, ...this.maskValues.map((v) => Buffer.byteLength(v)));
    this.keep = limit + Math.max(0, longest - 1);
  }

  push(chunk: Buffer): void {
    this.total += chunk.byteLength;
    if (this.kept >= this.keep) return;
    const part = chunk.subarray(0, this.keep - this.kept);
    this.chunks.push(part);
    this.kept += part.byteLength;
  }

  /** The masked log (masking runs once over the assembled bytes, so chunk borders do not matter). */
  finish(): { log: string; truncated: boolean } {
    const bytes = Buffer.concat(this.chunks);
    return {
      log: maskBytes(bytes, this.maskValues, this.limit).toString("utf8").replaceAll("\0", "\uFFFD"),
      truncated: this.total > this.limit,
    };
  }
}

const MASK = Buffer.from("***");
/** Secret values shorter than this are not masked (documented in the README). */
export const MIN_MASKED_LENGTH = 4;

/**
 * Replaces every occurrence of each value by `***` and keeps the bytes before `limit`; an
 * occurrence starting before `limit` is masked whole even when it crosses it, so no part of a
 * secret survives the cut.
 */
export function maskBytes(bytes: Buffer, values: readonly string[], limit = bytes.byteLength): Buffer {
  const spans: [number, number][] = [];
  for (const v of new Set(values)) {
    const needle = Buffer.from(v);
    if (needle.byteLength === 0) continue;
    for (let i = bytes.indexOf(needle); i !== -1 && i < limit; i = bytes.indexOf(needle, i + 1))
      spans.push([i, i + needle.byteLength]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  const parts: Buffer[] = [];
  let at = 0;
  for (const [start, end] of spans) {
    if (end <= at) continue; // inside a span already masked
    if (start > at) parts.push(bytes.subarray(at, Math.min(start, limit)));
    if (start >= at) parts.push(MASK);
    at = end;
  }
  if (at < limit) parts.push(bytes.subarray(at, Math.min(limit, bytes.byteLength)));
  return Buffer.concat(parts);
}
