import type { apiKeys, Principal } from "@keyflow/core";

/** Variables the REST middleware puts on the Hono context. */
export interface RestEnv {
  Variables: {
    principal: Principal;
    /** set when the request is authenticated by an API key */
    key?: apiKeys.VerifiedKey;
  };
}
