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

type VerifiedKey = apiKeys.VerifiedKey;
export type Verification =
  | { key: VerifiedKey }
  | { refusal: "malformed" | "unknown" | "revoked" | "expired"; key?: VerifiedKey };

const HARD_TTL_MS = 60_000;
const NEGATIVE_TTL_MS = 60_000;
const NEGATIVE_MAX = 10_000;
const RECONNECT_MS = 1_000;

/**
 * Verifies API keys from memory in steady state (SPEC §7). Entries are dropped by NOTIFY from any
 * process (within a second), at once for changes made in this process, at their expiry, and after a
 * hard TTL. While the LISTEN connection is down nothing is cached, so every lookup is fresh.
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
  private listener: pg.Client | null = null;
  private listening = false;
  private connecting: Promise<void> | null = null;
  private closed = false;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly db: Db,
    private readonly connectionString: string,
  ) {
    this.unsubscribe = apiKeys.onKeysChanged((scope) => this.invalidate(scope));
  }

  async verify(token: string): Promise<Verification> {
    if (!isWellFormedToken(token)) return { refusal: "malformed" };
    await this.ensureListening();
    const hash = hashToken(token);
    const id = hash.toString("hex");
    const now = Date.now();
    const cached = this.cache.get(id);
    let key: VerifiedKey | null;
    if (cached && this.listening && now - cached.cachedAt < HARD_TTL_MS) {
      key = cached.key;
    } else {
      const negativeUntil = this.negative.get(id);
      if (negativeUntil && negativeUntil > now) return { refusal: "unknown" };
      key = await apiKeys.findKeyByHash(this.db, hash);
      if (!key) {
        this.rememberUnknown(id, now);
        return { refusal: "unknown" };
      }
      if (this.listening) this.cache.set(id, { key, cachedAt: now });
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
    const access = await resolveAccess(this.db, principal, principal.projectId);
    if (!access) return undefined;
    const grants: Grants = { project: access.project, nodes: access.nodes, isMember: access.isMember };
    if (this.listening)
      this.grants.set(principal.keyId, {
        grants,
        projectId: principal.projectId,
        userId: principal.userId,
        cachedAt: now,
      });
    return grants;
  }

  invalidate(scope: apiKeys.KeyScope) {
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
    if (this.listening || this.closed) return Promise.resolve();
    this.connecting ??= this.listen().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async listen() {
    const client = new pg.Client({ connectionString: this.connectionString });
    const lost = (err?: Error) => {
      if (this.listener !== client) return;
      this.listener = null;
      this.listening = false;
      this.cache.clear();
      this.grants.clear();
      if (!this.closed) {
        logger.warn(
          { err: err?.message },
          "key cache: LISTEN connection lost; verifying from the database until it is back",
        );
        setTimeout(() => void this.ensureListening(), RECONNECT_MS).unref();
      }
      client.end().catch(() => {});
    };
    client.on("error", lost);
    client.on("end", () => lost());
    client.on("notification", (msg) => {
      try {
        this.invalidate(JSON.parse(msg.payload ?? "{}") as apiKeys.KeyScope);
      } catch {
        this.cache.clear();
        this.grants.clear();
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${apiKeys.KEY_CHANNEL}`);
      this.listener = client;
      this.listening = !this.closed;
      if (this.closed) await client.end();
    } catch (err) {
      client.end().catch(() => {});
      logger.warn({ err: (err as Error).message }, "key cache: cannot LISTEN; verifying from the database");
    }
  }

  async close() {
    this.closed = true;
    this.unsubscribe();
    this.listening = false;
    this.cache.clear();
    const l = this.listener;
    this.listener = null;
    await l?.end().catch(() => {});
  }
}
