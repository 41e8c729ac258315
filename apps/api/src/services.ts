import { Keyring } from "@keyflow/core";
import type { AppDeps } from "./deps";
import { Meter } from "./keys/meter";
import { RateLimiter } from "./keys/rateLimiter";
import { UsageRecorder } from "./keys/usageRecorder";
import { KeyVerifier } from "./keys/verifier";
import { GroupCommit } from "./rest/groupCommit";
import { LineageReads } from "./rest/lineageReads";

/** Per-process state of the API: key cache, usage buffer, metering (leased rate and quota units), batched writes and searches. */
export function createServices(deps: AppDeps) {
  const keyring = new Keyring(deps.config.secret);
  const verifier = new KeyVerifier(deps.db, deps.config.databaseUrl);
  const usage = new UsageRecorder(deps.db);
  const meter = new Meter(deps.db);
  const packageWriter = new GroupCommit(deps.db);
  const lineageReader = new LineageReads(deps.db);
  return {
    keyring,
    verifier,
    usage,
    /** rate limits and quotas of keys, across API processes */
    meter,
    /** 401s per client IP per minute, so junk tokens cannot hammer the database */
    invalidKeyLimiter: new RateLimiter(),
    /** concurrent package creations written together */
    packageWriter,
    /** concurrent searches by master_id read together */
    lineageReader,
    async close() {
      await packageWriter.close();
      await lineageReader.close();
      await meter.close();
      await usage.close();
      await verifier.close();
    },
  };
}

export type Services = ReturnType<typeof createServices>;
