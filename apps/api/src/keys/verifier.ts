import {
  apiKeys,
  type DataPlaneFacts,
  dataLayers,
  type Grants,
  isWellFormedToken,
  type Principal,
  resolveAccess,
  tokenHashHex,
} from "@keyflow/core";
import type { Db } from "@keyflow/db";
import type { ChangeListener } from "./changeListener";
import { KeyDirectory } from "./directory";

type VerifiedKey = apiKeys.VerifiedKey;
type KeyPrincipal = Principal & { kind: "apiKey" };
type NodeFact = NonNullable<Awaited<ReturnType<DataPlaneFacts["node"]>>>;
type LayerFact = NonNullable<Awaited<ReturnType<DataPlaneFacts["layer"]>>>;
export type Verification =
  | { key: VerifiedKey }
  | { refusal: "malformed" | "unknown" | "revoked" | "expired" | "suspended" | "rolled"; key?: VerifiedKey }
  /** the caller's address is over its junk-token limit and the token is no known key: not looked up */
  | { refusal: "throttled"; key?: undefined };

const HARD_TTL_MS = 60_000;
const NEGATIVE_TTL_MS = 60_000;
const NEGATIVE_MAX = 10_000;
/** Nodes and layers kept per kind: beyond it the oldest go (a key probing ids costs lookups, not memory). */
const FACTS_MAX = 20_000;

/** A known key's answer now: refused (revoked, suspended, expired, rolled past its grace) or verified. */
function judge(key: VerifiedKey, now: number): Verification {
  if (key.refusal) return { refusal: key.refusal, key };
  if (key.expiresAt && key.expiresAt.getTime() <= now) return { refusal: "expired", key };
  // a rolled key's previous token: its cached entry carries the grace end, refused once it passed
  if (key.graceUntil && key.graceUntil.getTime() <= now) return { refusal: "rolled", key };
  return { key };
}

/**
 * Verifies API keys from memory in steady state (SPEC §7). Entries are dropped by NOTIFY from any
 * process (within a second), at once for changes made in this process, at their expiry, and after a
 * hard TTL. While the process's LISTEN connection (`ChangeListener`) is down nothing is cached, so
 * every lookup is fresh.
 */
export class KeyVerifier {
  private readonly cache = new Map<string, { key: VerifiedKey; cachedAt: number }>();
  // a key's principal with its permissions (role ∪ public role), dropped with the key's cache entry
  private readonly grants = new Map<
    number,
    { principal: KeyPrincipal; key: VerifiedKey; projectId: number; userId: number; cachedAt: number }
  >();
  // nodes and data layers the data-plane checks read, dropped by their project's invalidation
  private readonly nodes = new Map<number, { row: NodeFact; cachedAt: number }>();
  private readonly layers = new Map<number, { row: LayerFact; cachedAt: number }>();
  private readonly fromDb: DataPlaneFacts;
  /** Given to core with every key principal: the rows its checks read, from memory in steady state. */
  readonly facts: DataPlaneFacts;
  // unknown token hashes: a junk token with a valid checksum costs one lookup per minute, not one per call
  private readonly negative = new Map<string, number>();
  // hashes of real keys, so a valid key passes while its address is throttled for junk
  private readonly directory: KeyDirectory;
  // bumped by every invalidation and LISTEN change: a lookup that overlapped one is not cached
  private version = 0;
  private readonly unsubscribe: (() => void)[];

  constructor(
    private readonly db: Db,
    private readonly changes: ChangeListener,
  ) {
    this.unsubscribe = [
      apiKeys.onKeysChanged((scope) => this.invalidate(scope)),
      changes.subscribe(apiKeys.KEY_CHANNEL, {
        changed: (payload) => {
          try {
            this.invalidate(JSON.parse(payload) as apiKeys.KeyScope);
          } catch {
            this.dropCache();
          }
        },
        reset: () => this.dropCache(),
      }),
    ];
    this.directory = new KeyDirectory((since) => apiKeys.keyHashesSince(db, since));
    this.fromDb = dataLayers.factsFromDb(db);
    this.facts = {
      node: (nodeId) => this.fact(this.nodes, nodeId, this.fromDb.node),
      layer: (dataLayerId) => this.fact(this.layers, dataLayerId, this.fromDb.layer),
      layerInMemory: (dataLayerId) => this.cachedFact(this.layers, dataLayerId, Date.now()),
    };
  }

  /** A cached row still good to use, else undefined. */
  private cachedFact<T>(map: Map<number, { row: T; cachedAt: number }>, id: number, now: number) {
    const cached = map.get(id);
    return cached && this.changes.listening && now - cached.cachedAt < HARD_TTL_MS ? cached.row : undefined;
  }

  /** A cached row, else loaded and cached (only when no invalidation overlapped the load); none is not cached. */
  private async fact<T extends { project_id: number }>(
    map: Map<number, { row: T; cachedAt: number }>,
    id: number,
    load: (id: number) => Promise<T | undefined>,
  ): Promise<T | undefined> {
    const now = Date.now();
    const cached = this.cachedFact(map, id, now);
    if (cached) return cached;
    const version = this.version;
    const row = await load(id);
    if (row && this.changes.listening && this.version === version) {
      if (map.size >= FACTS_MAX) {
        const oldest = map.keys().next().value;
        if (oldest !== undefined) map.delete(oldest);
      }
      map.set(id, { row, cachedAt: now });
    }
    return row;
  }

  /**
   * `throttled`: the caller's address is over its junk-token limit. A cached or known key is still
   * verified as usual (a valid key is never refused for others' junk); anything else is refused
   * without a lookup.
   */
  async verify(token: string, opts: { throttled?: boolean } = {}): Promise<Verification> {
    if (!isWellFormedToken(token)) return { refusal: "malformed" };
    // listening is the steady state: no await (and microtask) for it then
    if (!this.changes.listening) await this.changes.ensureListening();
    const id = tokenHashHex(token);
    const hash = Buffer.from(id, "hex");
    const now = Date.now();
    const known = this.fromCache(id, now);
    if (known) return known;
    const version = this.version;
    const negativeUntil = this.negative.get(id);
    if (negativeUntil && negativeUntil > now) return { refusal: "unknown" };
    if (opts.throttled && !(await this.directory.mayBeKey(hash))) return { refusal: "throttled" };
    const key = await apiKeys.findKeyByHash(this.db, hash);
    if (!key) {
      this.rememberUnknown(id, now);
      return { refusal: "unknown" };
    }
    this.directory.add(hash);
    if (this.changes.listening && this.version === version) this.cache.set(id, { key, cachedAt: now });
    return judge(key, now);
  }

  /**
   * The verification of a token whose key is cached, else undefined: the steady state, answered
   * without a promise (else verify()). A cached key's token is well formed: that is checked only on
   * the way to the database.
   */
  verifyFromMemory(token: string): Verification | undefined {
    return this.fromCache(tokenHashHex(token), Date.now());
  }

  /** The verification of the cached key of a token hash (hex), else undefined. */
  private fromCache(id: string, now: number): Verification | undefined {
    const cached = this.cache.get(id);
    if (!cached || !this.changes.listening || now - cached.cachedAt >= HARD_TTL_MS) return undefined;
    return judge(cached.key, now);
  }

  private rememberUnknown(id: string, now: number) {
    if (this.negative.size >= NEGATIVE_MAX) {
      const oldest = this.negative.keys().next().value;
      if (oldest !== undefined) this.negative.delete(oldest);
    }
    this.negative.set(id, now + NEGATIVE_TTL_MS);
  }

  /**
   * The principal of a verified key (with a role), with its permissions in its project and the
   * cached facts: one object per key from memory in steady state, none built per request.
   */
  async principalFor(key: VerifiedKey): Promise<KeyPrincipal> {
    const known = this.principalFromMemory(key);
    if (known) return known;
    const now = Date.now();
    const version = this.version;
    const principal: KeyPrincipal = {
      kind: "apiKey",
      keyId: key.keyId,
      userId: key.userId,
      projectId: key.projectId,
      roleId: key.roleId!,
      dataLayerId: key.dataLayerId,
      allowSharedLayers: key.allowSharedLayers,
      facts: this.facts,
    };
    const access = await resolveAccess(this.db, principal, principal.projectId);
    if (!access) return principal;
    const grants: Grants = { project: access.project, nodes: access.nodes, isMember: access.isMember };
    principal.grants = grants;
    if (this.changes.listening && this.version === version)
      this.grants.set(principal.keyId, {
        principal,
        key,
        projectId: principal.projectId,
        userId: principal.userId,
        cachedAt: now,
      });
    return principal;
  }

  /** The cached principal of this verification of a key, else undefined (no promise: the steady state). */
  principalFromMemory(key: VerifiedKey): KeyPrincipal | undefined {
    const cached = this.grants.get(key.keyId);
    // the same verification (a re-verified key is a new object, its principal is rebuilt)
    if (cached?.key === key && this.changes.listening && Date.now() - cached.cachedAt < HARD_TTL_MS)
      return cached.principal;
    return undefined;
  }

  invalidate(scope: apiKeys.KeyScope) {
    this.version++;
    const hit = (k: { keyId: number; projectId: number; userId: number }) =>
      ("keyIds" in scope && scope.keyIds.includes(k.keyId)) ||
      ("projectId" in scope && scope.projectId === k.projectId) ||
      ("userId" in scope && scope.userId === k.userId);
    for (const [id, { key }] of this.cache) if (hit(key)) this.cache.delete(id);
    for (const [keyId, g] of this.grants)
      if (hit({ keyId, projectId: g.projectId, userId: g.userId })) this.grants.delete(keyId);
    // a node or layer changed (deleted, kind, active, …) announces its project
    if ("projectId" in scope) {
      for (const [id, { row }] of this.nodes) if (row.project_id === scope.projectId) this.nodes.delete(id);
      for (const [id, { row }] of this.layers) if (row.project_id === scope.projectId) this.layers.delete(id);
    }
  }

  /** Cached entries right now (for tests and metrics). */
  get size() {
    return this.cache.size;
  }

  private dropCache() {
    this.version++;
    this.cache.clear();
    this.grants.clear();
    this.nodes.clear();
    this.layers.clear();
  }

  close() {
    for (const u of this.unsubscribe) u();
    this.dropCache();
  }
}
