/**
 * The words the forms use for the server's input fields, so an error names the field the way the
 * person saw it ("Current password is wrong"), never the input's path (`currentPassword: …`).
 * One mapping for the whole app: errorMessage (lib/trpc.ts) applies it to every refused call.
 */
const LABELS: Record<string, string> = {
  input: "The request",
  name: "Name",
  email: "E-mail",
  password: "Password",
  currentPassword: "Current password",
  newPassword: "New password",
  description: "Description",
  message: "Message",
  reason: "Reason",
  prefix: "Prefix",
  value: "Value",
  label: "Label",
  fields: "Fields",
  "files.name": "File name",
  "files.path": "File path",
  "files.contentHash": "File",
  path: "Path",
  content: "Content",
  runtime: "Runtime",
  entry: "Entry file",
  params: "Parameters",
  timeoutS: "Timeout",
  labelFilter: "Label filter",
  kind: "Kind",
  fromNodeId: "From node",
  toNodeId: "To node",
  nodeId: "Node",
  nodeIds: "Nodes",
  roleId: "Role",
  roleIds: "Roles",
  permissions: "Permissions",
  "permissions.project": "Project permissions",
  "permissions.nodes": "Node permissions",
  dataLayerId: "Data layer",
  parentId: "Parent package",
  masterId: "Master package",
  rateLimitPerMinute: "Rate limit",
  rateLimitMode: "When over the limit",
  quota: "Quota",
  "quota.requests": "Quota",
  "quota.period": "Quota period",
  requests: "Requests to add",
  keyId: "Key",
  keyTtlDays: "Key lifetime",
  maxTtlDays: "Maximum key lifetime",
  approval: "Approval",
  requestQuestions: "Request questions",
  "requestQuestions.text": "Question",
  "requestQuestions.id": "Question id",
  expiresAt: "Expiry",
  pricePerRequest: "Price per request",
  allowSharedLayers: "Shared data layers",
  timeZone: "Time zone",
  from: "From",
  to: "To",
  page: "Page",
  pageSize: "Page size",
};

/** "e.g. roleIds" → "Role ids" for a field no form has named here yet. */
function humanizePath(segment: string): string {
  const words = segment.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1).toLowerCase();
}

/** The form's word for an input path ("files.0.name" → "File name"); "The request" for the whole input. */
export function fieldLabel(path: string): string {
  const segments = path.split(".");
  const named = segments.filter((s) => !/^\d+$/.test(s));
  for (const key of [path, named.join("."), named[named.length - 1] ?? ""])
    if (key in LABELS) return LABELS[key] ?? "";
  return humanizePath(named[named.length - 1] ?? path);
}

/** Reasons that continue the field's name as a sentence: "Name is required", "Password must be …". */
const PREDICATE = /^(is|are|must|may|has|have|cannot|can|does|do|should|needs?|already|contains?|belongs)\b/;

/** A refused field as the form says it: "Current password is wrong", "Nodes: node 7 is not in this project". */
export function fieldMessage(path: string, reason: string): string {
  const label = fieldLabel(path);
  if (!label) return reason.charAt(0).toUpperCase() + reason.slice(1);
  return PREDICATE.test(reason) ? `${label} ${reason}` : `${label}: ${reason}`;
}
