import type { RouterOutputs } from "../../../lib/trpc";

export type Secret = RouterOutputs["secrets"]["list"][number];
export type MyKey = RouterOutputs["apiKeys"]["mine"][number];
export type GraphNode = RouterOutputs["graph"]["get"]["nodes"][number];
