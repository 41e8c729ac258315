import type { RouterOutputs } from "../../../lib/trpc";

export type GraphData = RouterOutputs["graph"]["get"];
export type GraphNode = GraphData["nodes"][number];
export type GraphLink = GraphData["links"][number];
export type DataLayer = RouterOutputs["dataLayers"]["list"][number];
export type Package = RouterOutputs["packages"]["search"]["items"][number];
export type NodeFile = RouterOutputs["graph"]["listFiles"][number];
