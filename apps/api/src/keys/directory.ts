/** How often, at most, the directory asks the database for keys issued since its last look. */
const REFRESH_MS = 1_000;
/** Keys are stamped when their transaction starts, so re-read a margin before the last look. */
const OVERLAP_MS = 5 * 60_000;

/** The first 8 bytes of a token hash: a false match only costs the lookup it would have cost anyway. */
const prefixOf = (hash: Buffer) => hash.toString("base64", 0, 8);

/**
 * Which token hashes belong to real keys, in memory: it lets a valid key through while its address
 * is over the junk-token limit, without giving junk from that address a lookup each (SPEC §7).
 * Filled lazily: all unrevoked keys on first use, then the keys issued since, at most once per
 * `REFRESH_MS` however many junk tokens arrive, plus every key a lookup found. An unknown hash waits
 * for a read that started after it arrived, so a key issued a moment ago is found too.
 */
export class KeyDirectory {
  private readonly prefixes = new Set<string>();
  /** When the last read started (Date.now()); none before the first. */
  private lastStarted = Number.NEGATIVE_INFINITY;
  /** When the last successful read started; null before the first. */
  private loadedAt: number | null = null;
  private refreshing: Promise<void> | null = null;

  constructor(private readonly load: (since: Date | null) => Promise<Buffer[]>) {}

  add(hash: Buffer) {
    this.prefixes.add(prefixOf(hash));
  }

  /** Whether the hash may be a real key (a lookup is worth it); a database failure rejects. */
  async mayBeKey(hash: Buffer): Promise<boolean> {
    const prefix = prefixOf(hash);
    const arrived = Date.now();
    while (!this.prefixes.has(prefix) && this.lastStarted < arrived) await this.refresh();
    return this.prefixes.has(prefix);
  }

  /** One read at a time, `REFRESH_MS` apart. */
  private refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      const wait = this.lastStarted + REFRESH_MS - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const started = Date.now();
      this.lastStarted = started;
      const since = this.loadedAt === null ? null : new Date(this.loadedAt - OVERLAP_MS);
      for (const hash of await this.load(since)) this.add(hash);
      this.loadedAt = started;
    })().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }
}
