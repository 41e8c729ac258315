import pg from "pg";
import { logger } from "../logger";
import { setIn } from "../setIn";

const RECONNECT_MS = 500;
const RECONNECT_MAX_MS = 2_000;
const CONNECT_TIMEOUT_MS = 5_000;

/** A cache kept true by one channel's notifications. */
export interface ChangeSubscriber {
  /** a notification's payload */
  changed(payload: string): void;
  /** the connection came or went: whatever was cached may be stale, drop it all */
  reset(): void;
}

/**
 * The API process's one LISTEN connection: every in-memory cache (key verifications, data-plane
 * facts, lineage answers) is dropped through it when any process commits a change (SPEC §7: within
 * a second). While it is down a cache must keep nothing (`listening` is false), so every lookup is
 * fresh; it is re-established in the background (every ≤ 2 s) until PostgreSQL is back, and each
 * subscriber is reset whenever it comes or goes.
 */
export class ChangeListener {
  private readonly subscribers = new Map<string, Set<ChangeSubscriber>>();
  private client: pg.Client | null = null;
  private connecting: Promise<void> | null = null;
  // the next LISTEN attempt after a failure; meanwhile lookups go to the database without waiting
  private retry: NodeJS.Timeout | null = null;
  private failures = 0;
  private closed = false;
  /** notifications are arriving: caches may keep what they read */
  listening = false;

  constructor(private readonly connectionString: string) {}

  /** Subscribes before the first `ensureListening` (the channels are listened to on connect). */
  subscribe(channel: string, subscriber: ChangeSubscriber): () => void {
    if (!/^[a-z_]+$/.test(channel)) throw new Error(`not a channel name: ${channel}`);
    if (this.client || this.connecting) throw new Error("subscribe before the connection is made");
    const set = setIn(this.subscribers, channel);
    set.add(subscriber);
    return () => set.delete(subscriber);
  }

  ensureListening(): Promise<void> {
    if (this.listening || this.closed || this.retry) return Promise.resolve();
    this.connecting ??= this.listen().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private resetAll() {
    for (const set of this.subscribers.values()) for (const s of set) s.reset();
  }

  private scheduleRetry() {
    if (this.closed || this.retry) return;
    const delay = Math.min(RECONNECT_MS * 2 ** this.failures, RECONNECT_MAX_MS);
    this.failures++;
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.ensureListening();
    }, delay);
    this.retry.unref();
  }

  private async listen() {
    const client = new pg.Client({
      connectionString: this.connectionString,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    });
    const lost = (err?: Error) => {
      if (this.client !== client) return;
      this.client = null;
      this.listening = false;
      this.resetAll();
      if (!this.closed) {
        logger.warn(
          { err: err?.message },
          "caches: LISTEN connection lost; reading from the database until it is back",
        );
        this.scheduleRetry();
      }
      client.end().catch(() => {});
    };
    client.on("error", lost);
    client.on("end", () => lost());
    client.on("notification", (msg) => {
      for (const s of this.subscribers.get(msg.channel) ?? []) s.changed(msg.payload ?? "");
    });
    try {
      await client.connect();
      await client.query([...this.subscribers.keys()].map((c) => `LISTEN ${c};`).join(" "));
      if (this.closed) {
        await client.end();
        return;
      }
      // whatever changed while nobody listened is unknown: start from empty caches
      this.resetAll();
      this.client = client;
      this.listening = true;
      if (this.failures > 0) logger.info("caches: LISTEN connection is back");
      this.failures = 0;
    } catch (err) {
      client.end().catch(() => {});
      if (this.failures === 0)
        logger.warn({ err: (err as Error).message }, "caches: cannot LISTEN; reading from the database");
      this.scheduleRetry();
    }
  }

  async close() {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    this.listening = false;
    this.resetAll();
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => {});
  }
}
