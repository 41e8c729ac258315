import type { apiKeys, Principal, usage } from "@keyflow/core";

/** Variables the REST middleware puts on the Hono context. */
export interface RestEnv {
  Variables: {
    principal: Principal;
    /** set when the request is authenticated by an API key */
    key?: apiKeys.VerifiedKey;
    /**
     * With a key: the usage event of this request, for a write to commit in its own transaction
     * (the middleware then does not buffer it, unless the answer is an error after all).
     */
    usageInTransaction?: (status: number) => usage.UsageEvent;
  };
}
