import { usage } from "@keyflow/core";
import type { Db } from "@keyflow/db";
import { logger } from "../logger";

const FLUSH_MS = 500;
const MAX_BUFFER = 200_000;

/**
 * Buffers usage events and writes them in one INSERT per flush (at most every 500 ms), so recording
 * adds no database round trip to a request. Flushed on shutdown; a hard crash loses at most one
 * interval of events (documented).
 */
export class UsageRecorder {
  private buffer: usage.UsageEvent[] = [];
  private flushing: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly db: Db) {
    this.timer = setInterval(() => void this.flush(), FLUSH_MS);
    this.timer.unref();
  }

  record(event: usage.UsageEvent) {
    if (this.buffer.length >= MAX_BUFFER) this.buffer.shift();
    this.buffer.push(event);
  }

  /** Writes everything buffered so far; concurrent callers share one write. */
  async flush(): Promise<void> {
    if (this.flushing) {
      await this.flushing;
      if (this.buffer.length === 0) return;
    }
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    this.flushing = usage
      .recordUsage(this.db, batch)
      .catch((err) => {
        // keep the events for the next attempt
        this.buffer = batch.concat(this.buffer).slice(-MAX_BUFFER);
        logger.error({ err: (err as Error).message, events: batch.length }, "usage flush failed");
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
