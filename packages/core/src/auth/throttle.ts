import type { Db } from "@keyflow/db";
import { tooManyRequests } from "../errors";

// After LIMIT failures within WINDOW the key is locked for LOCK; a success clears the account's key.
const WINDOW_MS = 15 * 60_000;
const LOCK_MS = 15 * 60_000;
const LIMITS = { account: 5, ip: 30 } as const;

export type ThrottleKind = keyof typeof LIMITS;
const keyOf = (kind: ThrottleKind, value: string) => `${kind}:${value}`;

export async function assertNotThrottled(db: Db, keys: [ThrottleKind, string][]): Promise<void> {
  const rows = await db
    .selectFrom("auth_throttle")
    .select(["locked_until"])
    .where(
      "key",
      "in",
      keys.map(([k, v]) => keyOf(k, v)),
    )
    .execute();
  const now = Date.now();
  const lockedUntil = Math.max(0, ...rows.map((r) => r.locked_until?.getTime() ?? 0));
  if (lockedUntil > now) {
    const retryAfterS = Math.ceil((lockedUntil - now) / 1000);
    throw tooManyRequests(
      `Too many failed sign-ins. Try again in ${Math.ceil(retryAfterS / 60)} minutes.`,
      retryAfterS,
    );
  }
}

export async function recordFailure(db: Db, keys: [ThrottleKind, string][]): Promise<void> {
  for (const [kind, value] of keys) {
    // one statement per key: a fresh window when the old one has passed, a lock at the limit
    await db
      .insertInto("auth_throttle")
      .values({ key: keyOf(kind, value), failures: 1, window_start: new Date(), locked_until: null })
      .onConflict((oc) =>
        oc.column("key").doUpdateSet((eb) => {
          const stale = eb("auth_throttle.window_start", "<", new Date(Date.now() - WINDOW_MS));
          const failures = eb
            .case()
            .when(stale)
            .then(1)
            .else(eb("auth_throttle.failures", "+", 1))
            .end();
          return {
            failures,
            window_start: eb
              .case()
              .when(stale)
              .then(new Date())
              .else(eb.ref("auth_throttle.window_start"))
              .end(),
            locked_until: eb
              .case()
              .when(eb(failures, ">=", LIMITS[kind]))
              .then(new Date(Date.now() + LOCK_MS))
              .else(eb.ref("auth_throttle.locked_until"))
              .end(),
          };
        }),
      )
      .execute();
  }
}

export async function clearFailures(db: Db, kind: ThrottleKind, value: string): Promise<void> {
  await db.deleteFrom("auth_throttle").where("key", "=", keyOf(kind, value)).execute();
}
