import { AUDIT_ACTION_GROUPS, type AuditAction, type AuditActionGroup, webPaths } from "@keyflow/schemas";

/** A piece of an audit sentence: plain text, or a name (optionally a link into the project, or code). */
export type Part = string | { text: string; href?: string; code?: boolean };

export interface AuditNames {
  users: Map<number, { name: string; email: string }>;
  nodes: Map<number, { name: string; kind: string }>;
  keys: Map<number, { templateName: string; holderId: number }>;
  requests: Map<number, { templateName: string; userId: number }>;
}

export interface SentenceEntry {
  action: string;
  target: string;
  details: unknown;
  actor: { id: number; name: string } | null;
}

/** What the action filter shows for each action. */
export const ACTION_LABELS: Record<AuditAction, string> = {
  "project.create": "Project created",
  "project.update": "Project changed",
  "project.delete": "Project deleted",
  "node.create": "Node added",
  "node.update": "Node changed",
  "node.delete": "Node deleted",
  "node.set_active": "Node switched on or off",
  "node.file_put": "Node file saved",
  "node.file_delete": "Node file deleted",
  "link.create": "Link added",
  "link.delete": "Link removed",
  "data_layer.create": "Data layer created",
  "data_layer.delete": "Data layer deleted",
  "role.create": "Role created",
  "role.update": "Role changed",
  "role.delete": "Role deleted",
  "member.add": "Member added",
  "member.set_roles": "Member's roles changed",
  "member.remove": "Member removed",
  "template.create": "Key template created",
  "template.update": "Key template changed",
  "template.delete": "Key template deleted",
  "template.field_add": "Template field added",
  "template.field_update": "Template field changed",
  "template.field_remove": "Template field removed",
  "key.request": "Key requested",
  "key.withdraw": "Key request withdrawn",
  "key.approve": "Key request approved",
  "key.reject": "Key request rejected",
  "key.issue": "Key issued",
  "key.reveal": "Token revealed",
  "key.revoke": "Key revoked",
  "key.suspend": "Key suspended",
  "key.resume": "Key resumed",
  "key.roll": "Key rolled",
  "key.quota_grant": "Key's quota topped up",
  "secret.create": "Secret added",
  "secret.update": "Secret changed",
  "secret.delete": "Secret deleted",
  "secret.reveal": "Secret value shown",
  "secret.set_nodes": "Secret's nodes changed",
  "secret.import": "API key imported",
  "secret.grant_key": "Imported key granted to a node",
  "secret.token_rewrite": "Imported token replaced by a roll",
};

export const GROUP_LABELS: Record<AuditActionGroup, string> = {
  project: "Project",
  graph: "Graph",
  permissions: "Roles and members",
  templates: "Key templates",
  keys: "API keys",
  secrets: "Secrets",
};

export const ACTION_GROUPS = Object.entries(AUDIT_ACTION_GROUPS) as [
  AuditActionGroup,
  readonly AuditAction[],
][];

type Details = Record<string, unknown>;
const num = (v: unknown): number | null => (typeof v === "number" && Number.isInteger(v) ? v : null);
const numFromText = (v: string): number | null => (/^\d+$/.test(v) ? Number(v) : null);
const nums = (v: unknown): number[] =>
  Array.isArray(v) ? v.filter((x): x is number => typeof x === "number") : [];
const strs = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "a", "a and b", "a, b and c" */
export function joinWords(words: string[]): string {
  if (words.length <= 1) return words[0] ?? "";
  return `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`;
}

/** The parts of a list of names, "a, b and c", each name its own part. */
function joinParts(parts: Part[]): Part[] {
  return parts.flatMap((p, i) => {
    if (i === 0) return [p];
    return [i === parts.length - 1 ? " and " : ", ", p];
  });
}

interface Ctx {
  projectId: number;
  names: AuditNames;
  target: string;
  d: Details;
}

function makeRefs(c: Ctx) {
  const page = (section: Parameters<typeof webPaths.project>[1]) => webPaths.project(c.projectId, section);
  const node = (id: number | null, fallback?: string): Part => {
    const n = id === null ? undefined : c.names.nodes.get(id);
    if (n && id !== null) return { text: n.name, href: `${page("graph")}?node=${id}` };
    return { text: fallback ?? (id === null ? "a node" : `#${id}`) };
  };
  const user = (id: number | null, fallback?: string): Part => {
    const u = id === null ? undefined : c.names.users.get(id);
    if (u && id !== null) return { text: u.name, href: `${page("permissions")}#member-${id}` };
    return { text: fallback ?? (id === null ? "someone" : `user #${id}`) };
  };
  /** "Rita Requester's" */
  const users = (id: number | null, fallback?: string): Part[] => [user(id, fallback), "'s"];
  const template = (name: string): Part => ({ text: name || "a key template", href: page("apiKeys") });
  const issued = (name: string): Part => ({ text: name || "a key", href: page("issuedKeys") });
  const secret = (id: number | null, name: string): Part => ({
    text: name || "a secret",
    code: true,
    href: id === null ? page("secrets") : `${page("secrets")}#secret-${id}`,
  });
  const keyGroup = (keyId: number | null, prefix: string | null): Part => ({
    text: prefix ? `${prefix}_*` : c.target || "the key's secrets",
    code: true,
    href: keyId !== null && prefix ? `${page("secrets")}#key-${keyId}-${prefix}` : page("secrets"),
  });
  const role = (name: string): Part => ({ text: name || "a role", href: page("permissions") });
  return { page, node, user, users, template, issued, secret, keyGroup, role };
}

/** "template.field" targets: the template's name and the field's. */
function splitField(target: string): [string, string] {
  const i = target.lastIndexOf(".");
  return i < 0 ? [target, ""] : [target.slice(0, i), target.slice(i + 1)];
}

const TEMPLATE_CHANGES: Record<string, string> = {
  name: "name",
  description: "description",
  roleId: "role",
  pricePerRequest: "price",
  rateLimitPerMinute: "rate limit",
  rateLimitMode: "over-limit behaviour",
  quota: "quota",
  keyTtlDays: "key lifetime",
  allowSharedLayers: "shared data layers",
  approval: "approval",
  maxTtlDays: "maximum key lifetime",
  requestQuestions: "request questions",
};

type Sentence = (c: Ctx, r: ReturnType<typeof makeRefs>) => Part[];

/** What each action says after the actor's name: every action core writes has one. */
export const SENTENCES: Record<AuditAction, Sentence> = {
  "project.create": (c, r) => [" created the project ", { text: c.target, href: r.page("about") }],
  "project.update": (c) => {
    const what: string[] = [];
    if (str(c.d.name)) what.push(`renamed it to “${c.d.name}”`);
    if (c.d.isPublic === true) what.push("made it public");
    if (c.d.isPublic === false) what.push("made it private");
    if (c.d.descriptionChanged === true) what.push("edited its description");
    return [` changed the project: ${what.length > 0 ? joinWords(what) : "no visible change"}`];
  },
  "project.delete": (c) => {
    const keys = num(c.d.revokedKeys) ?? 0;
    return [" deleted the project", keys > 0 ? `, which revoked ${plural(keys, "key")}` : ""];
  },

  "node.create": (c, r) => [
    str(c.d.kind) ? ` added the ${c.d.kind} node ` : " added node ",
    r.node(num(c.d.nodeId), c.target),
  ],
  "node.update": (c, r) => {
    const changed = strs(c.d.changed).map((k) =>
      k === "params" ? "parameters" : k === "timeoutS" ? "timeout" : k,
    );
    return [
      changed.length > 0 ? ` changed the ${joinWords(changed)} of node ` : " saved node ",
      r.node(num(c.d.nodeId), c.target),
    ];
  },
  "node.delete": (c) => [" deleted node ", { text: c.target || "a node" }],
  "node.set_active": (c, r) => {
    const at = c.target.lastIndexOf(" in ");
    const nodeName = at < 0 ? c.target : c.target.slice(0, at);
    const layer = at < 0 ? "" : c.target.slice(at + 4);
    return [
      c.d.active === false ? " switched off node " : " switched on node ",
      r.node(num(c.d.nodeId), nodeName),
      layer ? ` in data layer ${layer}` : "",
    ];
  },
  "node.file_put": (c, r) => {
    const path = str(c.d.path) ?? c.target;
    return [
      " saved the file ",
      { text: path, code: true },
      " of node ",
      r.node(num(c.d.nodeId), c.target.split("/")[0]),
    ];
  },
  "node.file_delete": (c, r) => {
    const path = str(c.d.path) ?? c.target;
    return [
      " deleted the file ",
      { text: path, code: true },
      " of node ",
      r.node(num(c.d.nodeId), c.target.split("/")[0]),
    ];
  },
  "link.create": (c, r) => {
    const [from, to] = c.target.split(" → ");
    const filter = str(c.d.labelFilter);
    return [
      " linked node ",
      r.node(num(c.d.fromNodeId), from),
      " to node ",
      r.node(num(c.d.toNodeId), to),
      filter ? ` for labels matching “${filter}”` : "",
    ];
  },
  "link.delete": (c, r) => [
    " removed the link from node ",
    r.node(num(c.d.fromNodeId)),
    " to node ",
    r.node(num(c.d.toNodeId)),
  ],
  "data_layer.create": (c, r) => [
    str(c.d.kind) ? ` created the ${c.d.kind} data layer ` : " created the data layer ",
    { text: c.target, href: r.page("graph") },
  ],
  "data_layer.delete": (c) => [" deleted the data layer ", { text: c.target || "a data layer" }],

  "role.create": (c, r) => [" created the role ", r.role(c.target), c.d.isPublic === true ? " (public)" : ""],
  "role.update": (c, r) => [" changed the role ", r.role(c.target)],
  "role.delete": (c) => [" deleted the role ", { text: c.target || "a role" }],
  "member.add": (c, r) => {
    const roles = strs(c.d.roles);
    return [
      " added ",
      r.user(num(c.d.userId), c.target),
      " to the project",
      roles.length > 0 ? ` as ${joinWords(roles)}` : " without a role",
    ];
  },
  "member.set_roles": (c, r) => {
    const roles = strs(c.d.roles);
    return [
      " changed the roles of ",
      r.user(numFromText(c.target)),
      roles.length > 0 ? ` to ${joinWords(roles)}` : " to none",
    ];
  },
  "member.remove": (c, r) => {
    const revoked = nums(c.d.revokedKeys).length;
    return [
      " removed ",
      r.user(numFromText(c.target), "a member"),
      " from the project",
      revoked > 0 ? `, which revoked ${plural(revoked, "key")} they held` : "",
    ];
  },

  "template.create": (c, r) => [" created the key template ", r.template(c.target)],
  "template.update": (c, r) => {
    const what = Object.keys(c.d)
      .map((k) => TEMPLATE_CHANGES[k])
      .filter((x): x is string => x !== undefined);
    return [
      what.length > 0 ? ` changed the ${joinWords(what)} of the key template ` : " changed the key template ",
      r.template(c.target),
    ];
  },
  "template.delete": (c) => {
    const revoked = num(c.d.revokedKeys) ?? 0;
    const cancelled = num(c.d.cancelledRequests) ?? 0;
    const effects = [
      revoked > 0 ? `revoked ${plural(revoked, "key")}` : "",
      cancelled > 0 ? `cancelled ${plural(cancelled, "request")}` : "",
    ].filter(Boolean);
    return [
      " deleted the key template ",
      { text: c.target || "a key template" },
      effects.length > 0 ? `, which ${joinWords(effects)}` : "",
    ];
  },
  "template.field_add": (c, r) => {
    const [t, f] = splitField(c.target);
    return [" added the field ", { text: f, code: true }, " to the key template ", r.template(t)];
  },
  "template.field_update": (c, r) => {
    const [t, f] = splitField(c.target);
    return [" changed the field ", { text: f, code: true }, " of the key template ", r.template(t)];
  },
  "template.field_remove": (c, r) => {
    const [t, f] = splitField(c.target);
    return [" removed the field ", { text: f, code: true }, " from the key template ", r.template(t)];
  },

  "key.request": (c, r) => [
    " requested a key for ",
    r.template(c.target),
    c.d.notified === 0 ? " (nobody was told: no member holds project_manage)" : "",
  ],
  "key.withdraw": (c, r) => {
    const req = c.names.requests.get(numFromText(c.target) ?? -1);
    return [" withdrew their request for ", req ? r.template(req.templateName) : { text: "a key" }];
  },
  "key.approve": (c, r) => [
    c.d.auto === true ? " granted " : " approved ",
    ...r.users(num(c.d.userId)),
    " request for ",
    r.template(c.target),
  ],
  "key.reject": (c, r) => {
    const reason = str(c.d.reason);
    return [
      " rejected ",
      ...r.users(num(c.d.userId)),
      " request for ",
      r.template(c.target),
      reason ? `: “${reason}”` : "",
    ];
  },
  "key.issue": (c, r) => [" issued a ", r.issued(c.target), " key to ", r.user(num(c.d.userId))],
  "key.reveal": (c, r) => {
    const key = c.names.keys.get(numFromText(c.target) ?? -1);
    return [" revealed the token of ", key ? r.issued(key.templateName) : { text: `key #${c.target}` }];
  },
  "key.revoke": (c, r) => {
    if (c.d.byHolder === true) return [" revoked their ", r.issued(c.target), " key"];
    const key = c.names.keys.get(num(c.d.keyId) ?? -1);
    return [" revoked ", ...r.users(key?.holderId ?? null, "a holder"), " ", r.issued(c.target), " key"];
  },
  "key.suspend": (c, r) => {
    const reason = str(c.d.reason);
    return [
      " suspended ",
      ...r.users(num(c.d.userId)),
      " ",
      r.issued(c.target),
      " key",
      reason ? `: “${reason}”` : "",
    ];
  },
  "key.resume": (c, r) => [" resumed ", ...r.users(num(c.d.userId)), " ", r.issued(c.target), " key"],
  "key.quota_grant": (c, r) => [
    " added ",
    plural(num(c.d.requests) ?? 0, "request"),
    " to the quota of ",
    ...r.users(num(c.d.userId)),
    " ",
    r.issued(c.target),
    " key",
  ],
  "key.roll": (c, r) => {
    const grace = num(c.d.graceMinutes);
    return [
      ...(c.d.byHolder === true
        ? [" rolled their ", r.issued(c.target), " key"]
        : [" rolled ", ...r.users(num(c.d.userId), "a holder"), " ", r.issued(c.target), " key"]),
      grace
        ? ` (the old token was accepted for ${plural(grace, "more minute")})`
        : " (the old token was refused at once)",
    ];
  },

  "secret.create": (c, r) => [" added the secret ", r.secret(num(c.d.secretId), c.target)],
  "secret.update": (c, r) => {
    const changed = strs(c.d.changed);
    const previous = str(c.d.previousName);
    return [
      changed.length > 0 ? ` changed the ${joinWords(changed)} of secret ` : " changed secret ",
      r.secret(num(c.d.secretId), c.target),
      previous ? ` (formerly ${previous})` : "",
    ];
  },
  "secret.delete": (c) => [" deleted the secret ", { text: c.target || "a secret", code: true }],
  "secret.reveal": (c, r) => [" showed the value of secret ", r.secret(num(c.d.secretId), c.target)],
  "secret.set_nodes": (c, r) => {
    const secret = r.secret(num(c.d.secretId), c.target);
    const added = nums(c.d.added).map((id) => r.node(id));
    const removed = nums(c.d.removed).map((id) => r.node(id));
    const parts: Part[] = [];
    if (added.length > 0)
      parts.push(
        ` let ${added.length === 1 ? "node" : "nodes"} `,
        ...joinParts(added),
        " read secret ",
        secret,
      );
    if (removed.length > 0)
      parts.push(
        added.length > 0 ? " and stopped " : " stopped ",
        ...joinParts(removed),
        " reading ",
        ...(added.length > 0 ? ["it"] : [secret]),
      );
    if (parts.length === 0) parts.push(" saved the nodes of secret ", secret, " unchanged");
    return parts;
  },
  "secret.import": (c, r) => {
    const template = str(c.d.templateName);
    return [
      " imported the API key ",
      template ? { text: template } : "",
      " as the secrets ",
      r.keyGroup(num(c.d.keyId), str(c.d.prefix)),
    ];
  },
  // the actor rolled the key (in its own project); this project's imported token secret follows
  "secret.token_rewrite": (c, r) => {
    const template = str(c.d.templateName);
    return [
      " rolled the API key ",
      template ? { text: template } : "",
      ": secret ",
      r.secret(num(c.d.secretId), c.target),
      " now holds its new token",
    ];
  },
  "secret.grant_key": (c, r) => [
    " let node ",
    r.node(num(c.d.nodeId)),
    " read the secrets ",
    r.keyGroup(num(c.d.keyId), str(c.d.prefix)),
    nums(c.d.added).length === 0 && Array.isArray(c.d.added) ? " (it could already)" : "",
  ],
};

export function isKnownAction(action: string): action is AuditAction {
  return Object.hasOwn(SENTENCES, action);
}

/** The entry as a sentence for people, the actor first: "Rita Requester revealed the token of Translate API". */
export function auditSentence(entry: SentenceEntry, names: AuditNames, projectId: number): Part[] {
  const d = (entry.details && typeof entry.details === "object" ? entry.details : {}) as Details;
  const c: Ctx = { projectId, names, target: entry.target, d };
  // no actor: a deleted account, or the system (a template's automatic approval, SPEC §12)
  const actor: Part = entry.actor
    ? { text: entry.actor.name }
    : { text: d.auto === true ? "Automatic approval" : "A deleted account" };
  const rest = isKnownAction(entry.action)
    ? SENTENCES[entry.action](c, makeRefs(c))
    : [" did ", { text: entry.action, code: true }, entry.target ? ` on ${entry.target}` : ""];
  return [actor, ...rest].filter((p) => p !== "");
}

/** The sentence as plain text (for titles and tests). */
export const sentenceText = (parts: Part[]) =>
  parts.map((p) => (typeof p === "string" ? p : p.text)).join("");

/** A detail's value in words: lists joined, objects as "key: value" pairs, never JSON. */
export function detailValue(v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (Array.isArray(v)) return v.length === 0 ? "none" : v.map(detailValue).join(", ");
  if (typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>);
    return entries.length === 0 ? "none" : entries.map(([k, x]) => `${k}: ${detailValue(x)}`).join("; ");
  }
  if (typeof v === "boolean") return v ? "yes" : "no";
  return String(v);
}

/** "fromNodeId" → "from node id" */
export function detailLabel(key: string): string {
  const words = key
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .replace(/_/g, " ")
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
