import type { RouterOutputs } from "../../lib/trpc";

/** One key of `apiKeys.mine`: state, expiry, last roll, usage this month and imports. */
export type MyKey = RouterOutputs["apiKeys"]["mine"][number];
