import { packages } from "@keyflow/core";
import type { ChangeListener } from "../keys/changeListener";
import { setIn } from "../setIn";

type Query = packages.LineageQuery;
type Rows = packages.LineageRow[];
/** The database's answers, read together (LineageReads); null: ask alone, keep nothing. */
type Pages = { read(query: Query): Promise<packages.LineagePage | null> };

const HARD_TTL_MS = 60_000;
/** What the answers may hold in all, in (estimated) bytes: beyond it the oldest go. */
const BUDGET_BYTES = 32 * 1024 * 1024;
/** An answer bigger than this is read from the database each time. */
const ENTRY_MAX_BYTES = 1024 * 1024;

/** The heap an answer takes, roughly: the entry and its key, each row object, its label and fields (UTF-16). */
function answerBytes(rows: Rows): number {
  return rows.reduce((n, r) => n + 400 + 2 * (r.label.length + JSON.stringify(r.fields).length), 300);
}

/** A read in flight: made stale by a change to its lineage before it returns, so not kept. */
type InFlight = { stale: boolean };

/**
 * The answers of searches by `master_id` (the RnDFlow client polls one while it waits for each
 * result) kept in memory until their lineage changes: a transaction that adds packages to an
 * existing lineage announces it on `LINEAGE_CHANNEL` (core's lineagesChanged), and the process's
 * LISTEN connection drops its answers, as it drops revoked keys. A poll between results then costs
 * no round trip. The checks (key, grants, node, layer) run before every read, in core.
 *
 * Not kept: an answer of a lineage whose master did not exist yet (new lineages are written
 * unannounced), one read while its lineage changed, anything while the LISTEN connection is down.
 * Every answer goes after a hard TTL.
 */
export class LineageCache implements packages.LineageReader {
  private readonly answers = new Map<
    string,
    { rows: Rows; masterId: number; bytes: number; cachedAt: number }
  >();
  private readonly keysOf = new Map<number, Set<string>>();
  private readonly inFlight = new Map<number, Set<InFlight>>();
  private bytes = 0;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly inner: Pages,
    private readonly changes: ChangeListener,
    private readonly budgetBytes = BUDGET_BYTES,
  ) {
    this.unsubscribe = changes.subscribe(packages.LINEAGE_CHANNEL, {
      changed: (payload) => {
        const masters = packages.changedLineages(payload);
        if (masters === "all") this.clear();
        else this.drop(masters);
      },
      reset: () => this.clear(),
    });
  }

  async read(query: Query): Promise<Rows | null> {
    const id = `${query.nodeId}:${query.dataLayerId}:${query.masterId}:${query.pageSize}:${query.page}`;
    const now = Date.now();
    const hit = this.answers.get(id);
    if (hit && this.changes.listening && now - hit.cachedAt < HARD_TTL_MS) return hit.rows;
    if (!this.changes.listening) void this.changes.ensureListening();
    const read: InFlight = { stale: !this.changes.listening };
    const reads = setIn(this.inFlight, query.masterId);
    reads.add(read);
    try {
      const page = await this.inner.read(query);
      if (page?.masterExists && !read.stale && this.changes.listening)
        this.keep(id, query.masterId, page.rows, now);
      return page?.rows ?? null;
    } finally {
      reads.delete(read);
      if (reads.size === 0) this.inFlight.delete(query.masterId);
    }
  }

  private drop(masterIds: number[]) {
    for (const m of masterIds) {
      for (const r of this.inFlight.get(m) ?? []) r.stale = true;
      for (const id of this.keysOf.get(m) ?? []) this.remove(id);
    }
  }

  /** Answers kept right now (for tests and metrics). */
  get size() {
    return this.answers.size;
  }

  private keep(id: string, masterId: number, rows: Rows, now: number) {
    const bytes = answerBytes(rows);
    if (bytes > Math.min(ENTRY_MAX_BYTES, this.budgetBytes)) return;
    this.remove(id);
    while (this.bytes + bytes > this.budgetBytes) {
      const oldest = this.answers.keys().next().value;
      if (oldest === undefined) break;
      this.remove(oldest);
    }
    this.answers.set(id, { rows, masterId, bytes, cachedAt: now });
    this.bytes += bytes;
    setIn(this.keysOf, masterId).add(id);
  }

  private remove(id: string) {
    const entry = this.answers.get(id);
    if (!entry) return;
    this.answers.delete(id);
    this.bytes -= entry.bytes;
    const keys = this.keysOf.get(entry.masterId);
    keys?.delete(id);
    if (keys?.size === 0) this.keysOf.delete(entry.masterId);
  }

  private clear() {
    for (const reads of this.inFlight.values()) for (const r of reads) r.stale = true;
    this.answers.clear();
    this.keysOf.clear();
    this.bytes = 0;
  }

  close() {
    this.unsubscribe();
    this.clear();
  }
}
