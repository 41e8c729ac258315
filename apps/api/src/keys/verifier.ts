import {
  apiKeys,
  type Grants,
  hashToken,
  isWellFormedToken,
  type Principal,
  resolveAccess,
} from "@keyflow/core";
import type { Db } from "@keyflow/db";
import pg from "pg";
import { logger } from "../logger";
import { KeyDirectory } from "./directory";

type VerifiedKey = apiKeys.VerifiedKey;
export type Verification =
  | { key: VerifiedKey }
  | { refusal: "malformed" | "unknown" | "revoked" | "expired"; key?: VerifiedKey }
  /** the caller's address is over its junk-token limit and the token is no known key: not looked up */
  | { refusal: "throttled"; key?: undefined };

const HARD_TTL_MS = 60_000;
const NEGATIVE_TTL_MS = 60_000;
const NEGATIVE_MAX = 10_000;
const RECONNECT_MS = 500;
const RECONNECT_MAX_MS = 2_000;
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Verifies API keys from memory in steady state (SPEC §7). Entries are dropped by NOTIFY from any
 * process (within a second), at once for changes made in this process, at their expiry, and after a
 * hard TTL. While the LISTEN connection is down nothing is cached, so every lookup is fresh; it is
 * re-established in the background (every ≤ 2 s) until PostgreSQL is back.
 */
export class KeyVerifier {
  private readonly cache = new Map<string, { key: VerifiedKey; cachedAt: number }>();
  // a key's permissions (role ∪ public role), dropped with the key's cache entry
  private readonly grants = new Map<
    number,
    { grants: Grants; projectId: number; userId: number; cachedAt: number }
  >();
  // unknown token hashes: a junk token with a valid checksum costs one lookup per minute, not one per call
  private readonly negative = new Map<string, number>();
  // hashes of real keys, so a valid key passes while its address is throttled for junk
  private readonly directory: KeyDirectory;
  private listener: pg.Client | null = null;
  private listening = false;
  private connecting: Promise<void> | null = null;
  // the next LISTEN attempt after a failure; meanwhile lookups go to the database without waiting
  private retry: NodeJS.Timeout | null = null;
  private failures = 0;
  // bumped by every invalidation and LISTEN change: a lookup that overlapped one is not cached
  private version = 0;
  private closed = false;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly db: Db,
    private readonly connectionString: string,
  ) {
    this.unsubscribe = apiKeys.onKeysChanged((scope) => this.invalidate(scope));
    this.directory = new KeyDirectory((since) => apiKeys.keyHashesSince(db, since));
  }

  /**
   * `throttled`: the caller's address is over its junk-token limit. A cached or known key is still
   * verified as usual (a valid key is never refused for others' junk); anything else is refused
   * without a lookup.
   */
  async verify(token: string, opts: { throttled?: boolean } = {}): Promise<Verification> {
    if (!isWellFormedToken(token)) return { refusal: "malformed" };
    await this.ensureListening();
    const hash = hashToken(token);
    const id = hash.toString("hex");
    const now = Date.now();
    const cached = this.cache.get(id);
    const version = this.version;
    let key: VerifiedKey | null;
    if (cached && this.listening && now - cached.cachedAt < HARD_TTL_MS) {
      key = cached.key;
    } else {
      const negativeUntil = this.negative.get(id);
      if (negativeUntil && negativeUntil > now) return { refusal: "unknown" };
      if (opts.throttled && !(await this.directory.mayBeKey(hash))) return { refusal: "throttled" };
      key = await apiKeys.findKeyByHash(this.db, hash);
      if (!key) {
        this.rememberUnknown(id, now);
        return { refusal: "unknown" };
      }
      this.directory.add(hash);
      if (this.listening && this.version === version) this.cache.set(id, { key, cachedAt: now });
    }
    if (key.refusal) return { refusal: key.refusal, key };
    if (key.expiresAt && key.expiresAt.getTime() <= now) return { refusal: "expired", key };
    return { key };
  }

  private rememberUnknown(id: string, now: number) {
    if (this.negative.size >= NEGATIVE_MAX) {
      const oldest = this.negative.keys().next().value;
      if (oldest !== undefined) this.negative.delete(oldest);
    }
    this.negative.set(id, now + NEGATIVE_TTL_MS);
  }

  /** The key's permissions in its project, from memory in steady state. */
  async grantsFor(principal: Principal & { kind: "apiKey" }): Promise<Grants | undefined> {
    const now = Date.now();
    const cached = this.grants.get(principal.keyId);
    if (cached && this.listening && now - cached.cachedAt < HARD_TTL_MS) return cached.grants;
    const version = this.version;
    const access = await resolveAccess(this.db, principal, principal.projectId);
    if (!access) return undefined;
    const grants: Grants = { project: access.project, nodes: access.nodes, isMember: access.isMember };
    if (this.listening && this.version === version)
      this.grants.set(principal.keyId, {
        grants,
        projectId: principal.projectId,
        userId: principal.userId,
        cachedAt: now,
      });
    return grants;
  }

  invalidate(scope: apiKeys.KeyScope) {
    this.version++;
    const hit = (k: { keyId: number; projectId: number; userId: number }) =>
      ("keyIds" in scope && scope.keyIds.includes(k.keyId)) ||
      ("projectId" in scope && scope.projectId === k.projectId) ||
      ("userId" in scope && scope.userId === k.userId);
    for (const [id, { key }] of this.cache) if (hit(key)) this.cache.delete(id);
    for (const [keyId, g] of this.grants) if (hit({ keyId, ...g })) this.grants.delete(keyId);
  }

  /** Cached entries right now (for tests and metrics). */
  get size() {
    return this.cache.size;
  }

  private ensureListening(): Promise<void> {
    if (this.listening || this.closed || this.retry) return Promise.resolve();
    this.connecting ??= this.listen().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
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

  private dropCache() {
    this.version++;
    this.cache.clear();
    this.grants.clear();
  }

  private async listen() {
    const client = new pg.Client({
      connectionString: this.connectionString,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    });
    const lost = (err?: Error) => {
      if (this.listener !== client) return;
      this.listener = null;
      this.listening = false;
      this.dropCache();
      if (!this.closed) {
        logger.warn(
          { err: err?.message },
          "key cache: LISTEN connection lost; verifying from the database until it is back",
        );
        this.scheduleRetry();
      }
      client.end().catch(() => {});
    };
    client.on("error", lost);
    client.on("end", () => lost());
    client.on("notification", (msg) => {
      try {
        this.invalidate(JSON.parse(msg.payload ?? "{}") as apiKeys.KeyScope);
      } catch {
        this.dropCache();
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${apiKeys.KEY_CHANNEL}`);
      if (this.closed) {
        await client.end();
        return;
      }
      // whatever changed while nobody listened is unknown: start from an empty cache
      this.dropCache();
      this.listener = client;
      this.listening = true;
      if (this.failures > 0) logger.info("key cache: LISTEN connection is back");
      this.failures = 0;
    } catch (err) {
      client.end().catch(() => {});
      if (this.failures === 0)
        logger.warn({ err: (err as Error).message }, "key cache: cannot LISTEN; verifying from the database");
      this.scheduleRetry();
    }
  }

  async close() {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    this.unsubscribe();
    this.listening = false;
    this.cache.clear();
    const l = this.listener;
    this.listener = null;
    await l?.end().catch(() => {});
  }
}
