import { Keyring } from "@keyflow/core";
import { clientIpResolver } from "./context";
import type { AppDeps } from "./deps";
import { ChangeListener } from "./keys/changeListener";
import { Meter } from "./keys/meter";
import { RateLimiter } from "./keys/rateLimiter";
import { UsageRecorder } from "./keys/usageRecorder";
import { KeyVerifier } from "./keys/verifier";
import { GroupCommit } from "./rest/groupCommit";
import { LineageCache } from "./rest/lineageCache";
import { LineageReads } from "./rest/lineageReads";

/** Per-process state of the API: key cache, usage buffer, metering (leased rate and quota units), batched writes, cached and batched searches. */
export function createServices(deps: AppDeps) {
  const keyring = new Keyring(deps.config.secret);
  const changes = new ChangeListener(deps.config.databaseUrl);
  const verifier = new KeyVerifier(deps.db, changes);
  const usage = new UsageRecorder(deps.db);
  const meter = new Meter(deps.db);
  const packageWriter = new GroupCommit(deps.db);
  const lineageReads = new LineageReads(deps.db);
  const lineageReader = new LineageCache(lineageReads, changes);
  return {
    keyring,
    /** the client's address: the TCP peer, or what trusted proxies forwarded */
    clientIp: clientIpResolver(deps.config.trustedProxies),
    verifier,
    usage,
    /** rate limits and quotas of keys, across API processes */
    meter,
    /** 401s per client IP per minute, so junk tokens cannot hammer the database */
    invalidKeyLimiter: new RateLimiter(),
    /** concurrent package creations written together */
    packageWriter,
    /** searches by master_id: from memory until their lineage changes, else read together with concurrent ones */
    lineageReader,
    async close() {
      await packageWriter.close();
      await lineageReads.close();
      await meter.close();
      await usage.close();
      lineageReader.close();
      verifier.close();
      await changes.close();
    },
  };
}

export type Services = ReturnType<typeof createServices>;
