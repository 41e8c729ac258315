import type { RouterOutputs } from "../../../lib/trpc";

export type Template = RouterOutputs["apiKeys"]["listTemplates"][number];
export type TemplateField = Template["fields"][number];
export type KeyRequest = RouterOutputs["apiKeys"]["listRequests"][number];
export type Role = RouterOutputs["roles"]["list"][number];
export type GraphNode = RouterOutputs["graph"]["get"]["nodes"][number];
