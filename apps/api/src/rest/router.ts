import { OpenAPIHono } from "@hono/zod-openapi";
import { zodToCoreError } from "@keyflow/core";
import type { RestEnv } from "./env";

/**
 * A router for REST routes declared with `createRoute`: input that fails a route's zod declaration
 * is a 422 naming the field ("page_size: must be between 1 and 100"), the same text as core's.
 */
export const restRouter = () =>
  new OpenAPIHono<RestEnv>({
    defaultHook: (result) => {
      if (!result.success) throw zodToCoreError(result.error);
    },
  });
