import { usage } from "@keyflow/core";
import type { Db } from "@keyflow/db";
import { logger } from "../logger";

const FLUSH_MS = 500;
const MAX_BUFFER = 200_000;

/**
 * Buffers usage events and writes them in one INSERT per flush (at most every 500 ms), so recording
 * adds no database round trip to a request. Flushed on shutdown; a hard crash loses at most one
 * interval of events (documented). The buffer holds columns (core's UsageColumns), not an object
 * per event. While the database is away it keeps the newest `maxBuffer` events.
 */
export class UsageRecorder {
  private buffer = usage.usageColumns();
  private flushing: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly db: Db,
    private readonly maxBuffer = MAX_BUFFER,
  ) {
    this.timer = setInterval(() => void this.flush(), FLUSH_MS);
    this.timer.unref();
  }

  record(event: usage.UsageEvent) {
    // a tenth at a time: dropping one per event would move the whole buffer on every request
    if (this.size >= this.maxBuffer) usage.dropOldestUsage(this.buffer, Math.ceil(this.maxBuffer / 10));
    usage.appendUsage(this.buffer, event);
  }

  private get size() {
    return this.buffer.keyId.length;
  }

  /** Writes everything buffered so far; concurrent callers share one write. */
  async flush(): Promise<void> {
    if (this.flushing) {
      await this.flushing;
      if (this.size === 0) return;
    }
    if (this.size === 0) return;
    const batch = this.buffer;
    this.buffer = usage.usageColumns();
    this.flushing = usage
      .recordUsage(this.db, batch)
      .catch((err) => {
        // keep the events for the next attempt
        this.buffer = usage.concatUsage(batch, this.buffer, this.maxBuffer);
        logger.error({ err: (err as Error).message, events: batch.keyId.length }, "usage flush failed");
      })
      .finally(() => {
        this.flushing = null;
      });
    await this.flushing;
  }

  async close() {
    clearInterval(this.timer);
    await this.flush();
  }
}
