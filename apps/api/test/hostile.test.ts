import { createHash, randomBytes } from "node:crypto";
import superjson from "superjson";
import { afterAll, beforeAll, expect, test } from "vitest";
import { logger } from "../src/logger";
import {
  APP_URL,
  type Client,
  captureLogs,
  createHarness,
  type Harness,
  nestedJson,
  PASSWORD,
  type ProcedureInfo as Procedure,
  projectWithKey,
  trpcProcedures,
} from "./harness";
import { rest } from "./rest";

// Seeded hostile input over every REST route (from /api/openapi.json) and every tRPC procedure:
// no answer ≥ 500, no hang, no token or secret in any answer or log line, the server healthy after.
// HOSTILE_SEED replays a run; HOSTILE_REQUESTS makes it longer (`npm run fuzz`).

const SEED = Number(process.env.HOSTILE_SEED ?? Math.floor(Math.random() * 2 ** 32));
const REQUESTS = Number(process.env.HOSTILE_REQUESTS ?? 3000);
const CONCURRENCY = 6;
const TIMEOUT_MS = 15_000;

/** mulberry32: a small deterministic PRNG, so a seed replays the same requests. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  return { next, int, pick, chance: (p: number) => next() < p };
}
type Rng = ReturnType<typeof prng>;

/** One request to send, fully decided before anything runs (so a seed replays it). */
interface Planned {
  kind: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** What the answer must be besides < 500. */
  expect?: "403" | "refused";
}

let h: Harness;
let f: Awaited<ReturnType<typeof fixture>>;

/** A project with nodes, a link, a secret, a package with a file, a pending request and a revoked key. */
async function world(templateName: string) {
  const k = await projectWithKey(h, { templateName });
  const c = k.owner.client;
  const node = (name: string, kind: "data" | "compute" = "data") =>
    c.graph.createNode.mutate({ projectId: k.project.id, name, kind });
  const input = await node("input");
  const output = await node("output");
  const run = await node("run", "compute");
  const link = await c.graph.createLink.mutate({
    projectId: k.project.id,
    fromNodeId: input.id,
    toNodeId: output.id,
  });
  const secretValue = `secret-${randomBytes(12).toString("hex")}`;
  const secret = await c.secrets.create.mutate({
    projectId: k.project.id,
    name: "the_secret",
    value: secretValue,
  });
  // a package with a stored file, through the client's two-step upload
  const api = rest(h, { bearer: k.token });
  const bytes = randomBytes(64);
  const hash = createHash("sha256").update(bytes).digest("hex");
  const uploadUrl = (await api.put(`/api/projects/${k.project.id}/objects/${hash}`)).body as string;
  expect((await rest(h).put(uploadUrl, bytes)).status).toBe(200);
  const pkg = await api.post(`/api/projects/${k.project.id}/nodes/${input.id}/packages`, {
    label: "first",
    fields: { x: 1 },
    files: [{ name: "data.bin", content_hash: hash }],
  });
  expect(pkg.status).toBe(200);
  const files = await api.get(
    `/api/projects/${k.project.id}/nodes/${input.id}/packages/${pkg.body.id}/files`,
  );
  const downloadUrl = String(files.body[0].content).slice(APP_URL.length);
  const pending = await (await h.user("Asker")).client.apiKeys.request.mutate({ templateId: k.template.id });
  const former = await h.user("Former");
  const request = await former.client.apiKeys.request.mutate({ templateId: k.template.id });
  const { keyId: revokedKeyId } = await c.apiKeys.approve.mutate({ requestId: request.id });
  const { token: revokedToken } = await former.client.apiKeys.reveal.mutate({ keyId: revokedKeyId });
  await c.apiKeys.revoke.mutate({ keyId: revokedKeyId });
  const [template] = await c.apiKeys.listTemplates.query({ projectId: k.project.id });
  const nodeIds = [input.id, output.id, run.id];
  // ids by input key
  const pools: Record<string, number[]> = {
    projectId: [k.project.id],
    nodeId: nodeIds,
    fromNodeId: nodeIds,
    toNodeId: nodeIds,
    dataLayerId: (await c.dataLayers.list.query({ projectId: k.project.id })).map((l) => l.id),
    templateId: [k.template.id],
    roleId: [k.role.id],
    keyId: [k.keyId, revokedKeyId],
    requestId: [pending.id, request.id],
    fieldId: template!.fields.map((x) => x.id),
    secretId: [secret.id],
    userId: [k.owner.user.id, k.holder.user.id],
    linkId: [link.id],
    packageId: [pkg.body.id],
    masterId: [pkg.body.id],
  };
  return { ...k, input, hash, downloadUrl, secretValue, revokedToken, pools };
}

/**
 * The victim's project A and the intruder's own project B (the intruder owns it: their calls
 * reach deep into the code there), a signed-in stranger and a signed-out visitor.
 */
async function fixture() {
  const a = await world("Victim");
  const b = await world("Intruder");
  const stranger = await h.user("Stranger");
  const throwaway = await h.user("Throwaway");
  // what must never appear in an answer or a log line (the intruder's own values may)
  const sessionId = (c: Client) => h.cookieHeader(c).split("=")[1] ?? "";
  const watched = {
    "A's token": a.token,
    "A's revoked token": a.revokedToken,
    "A's secret value": a.secretValue,
    "the master secret": h.config.secret,
    "A owner's session": sessionId(a.owner.client),
  };
  return { a, b, stranger, throwaway, watched, emails: [a.owner.email, stranger.email, `new@example.com`] };
}

/** Whose ids a request uses: the intruder's own, the victim's, or both mixed. */
type Side = "own" | "victim" | "mixed";

function idFor(r: Rng, key: string, side: Side): number | undefined {
  const which = side === "mixed" ? r.pick(["own", "victim"] as const) : side;
  const pool = (which === "own" ? f.b : f.a).pools[key];
  return pool ? r.pick(pool) : undefined;
}

beforeAll(async () => {
  h = await createHarness();
  f = await fixture();
}, 120_000);
afterAll(() => h?.close());

// ---- hostile values -------------------------------------------------------------------------

const STRINGS = [
  "",
  " ",
  "\0",
  "a\0b",
  "\ud800",
  "x\udc00",
  "\udbff\udbff",
  "😀",
  "\u202eevil",
  "\ufeff",
  "\uffff",
  "'; drop table users; --",
  "<script>alert(1)</script>",
  "../../etc/passwd",
  "a/../../b",
  "%00",
  "\\",
  "null",
  "2147483648",
  "-1",
  "1e308",
  "NaN",
  "__proto__",
  "constructor",
  "é".repeat(600),
  "x".repeat(10_001),
];
const NUMBERS = [0, -1, 1, 2 ** 31, 2 ** 31 - 1, -(2 ** 31), 2 ** 53 + 2, 1e308, -1e308, 1.5, 0.000001, -0];

function deepValue(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

/** Any hostile value superjson can carry: wrong types, extremes, non-JSON types, structures. */
function hostileValue(r: Rng): unknown {
  switch (r.int(12)) {
    case 0:
    case 1:
    case 2:
      return r.pick(STRINGS);
    case 3:
    case 4:
      return r.pick(NUMBERS);
    case 5:
      return r.pick([
        Number.NaN,
        Number.POSITIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
        10n ** 30n,
        new Date(-8.64e15),
        new Date(8.64e15),
        new Date(Number.NaN),
        undefined,
        new Map([[1, 2]]),
        new Set([1]),
        /x+/g,
        new Error("boom"),
        new URL("http://x.test"),
      ]);
    case 6:
      return r.pick([null, true, false, [], {}]);
    case 7:
      return [r.pick(STRINGS), r.pick(NUMBERS), null];
    case 8:
      return { [r.pick(STRINGS)]: r.pick(STRINGS), nested: { deeper: r.pick(NUMBERS) } };
    case 9:
      return deepValue(r.pick([65, 70, 200]));
    case 10:
      return r.chance(0.5)
        ? new Array(10_000).fill(0)
        : Object.fromEntries(new Array(1000).fill(0).map((_, i) => [`k${i}`, i]));
    default:
      return JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}');
  }
}

/** A plausible value for an input key, so hostile values elsewhere reach deeper code. */
function plausible(r: Rng, key: string, side: Side): unknown {
  const id = idFor(r, key, side);
  if (id !== undefined) return id;
  if (/Id$/.test(key)) return 1 + r.int(20);
  const recent = () => new Date(Date.now() - r.int(30) * 86_400_000);
  const values: Record<string, () => unknown> = {
    name: () => r.pick(["Name", "x", "ü", `n${r.int(1e6)}`]),
    description: () => "about",
    email: () => r.pick([...f.emails, `new${r.int(1e6)}@example.com`]),
    password: () => r.pick([PASSWORD, "wrong password"]),
    currentPassword: () => PASSWORD,
    newPassword: () => "another password",
    kind: () => r.pick(["data", "compute", "shared", "personal"]),
    runtime: () => r.pick(["node", "python"]),
    entry: () => "main.py",
    path: () => r.pick(["main.py", "dir/a.txt"]),
    content: () => "print(1)\n",
    executable: () => r.chance(0.5),
    isPublic: () => r.chance(0.5),
    active: () => r.chance(0.5),
    allowSharedLayers: () => r.chance(0.5),
    permissions: () => ({
      project: ["project_view"],
      nodes: { [String(idFor(r, "nodeId", side))]: ["code_view"] },
    }),
    roleIds: () => [idFor(r, "roleId", side)],
    nodeIds: () => [idFor(r, "nodeId", side)],
    from: () => recent(),
    to: () => new Date(),
    bucket: () => r.pick(["hour", "day"]),
    timeZone: () => r.pick(["UTC", "Europe/Berlin"]),
    status: () => "pending",
    fields: () => ({ a: 1, b: "two" }),
    params: () => ({ k: 1 }),
    label: () => "label",
    labelFilter: () => "lab*",
    files: () => [],
    page: () => 1,
    pageSize: () => 10,
    prefix: () => "imp",
    message: () => "please",
    reason: () => "no",
    value: () => "value",
    posX: () => 10,
    posY: () => 20,
    timeoutS: () => 60,
    pricePerRequest: () => "0.5",
    rateLimitPerMinute: () => 100,
    keyTtlDays: () => 30,
  };
  return (values[key] ?? (() => hostileValue(r)))();
}

// ---- tRPC -----------------------------------------------------------------------------------

/** Texts PostgreSQL cannot store, or that tend to break parsers and size checks. */
const TEXT_POISON = ["\0", "a\0b", "\ud800", "x\udc00", "\udbff\udbff", "x".repeat(10_001), "é".repeat(600)];

/**
 * A plausible input made hostile. A hostile text or number reaches PostgreSQL only when the rest
 * is valid, so most inputs change one thing; the rest change several, or everything.
 */
function trpcInput(r: Rng, p: Procedure, side: Side): unknown {
  if (!p.hasInput || r.chance(0.08)) return r.pick([undefined, hostileValue(r)]);
  const input: Record<string, unknown> = Object.fromEntries(p.keys.map((k) => [k, plausible(r, k, side)]));
  const texts = p.keys.filter((k) => typeof input[k] === "string");
  const objects = p.keys.filter(
    (k) => input[k] !== null && typeof input[k] === "object" && !(input[k] instanceof Date),
  );
  const mode = r.int(20);
  if (mode < 7 && texts.length > 0) {
    const key = r.pick(texts);
    const poison = r.chance(0.6) ? r.pick(TEXT_POISON) : r.pick(STRINGS);
    input[key] = r.chance(0.5) ? poison : `${input[key]}${poison}`;
  } else if (mode < 9 && objects.length > 0) {
    // inside JSON values (fields, params) and nested inputs (permissions, files)
    input[r.pick(objects)] = r.pick([
      { s: r.pick(TEXT_POISON) },
      { [r.pick(TEXT_POISON)]: 1 },
      { n: r.pick([Number.NaN, Number.POSITIVE_INFINITY, 10n ** 20n, new Date(Number.NaN)]) },
      deepValue(r.pick([63, 65, 200])),
      { project: [r.pick(STRINGS)], nodes: { [String(2 ** 31)]: ["code_view"] } },
    ]);
  } else if (mode < 11) {
    // only the ids: an update with nothing to change
    for (const k of p.keys) if (!/Id$/.test(k)) delete input[k];
  } else if (mode < 13 && p.keys.length > 0) {
    input[r.pick(p.keys)] = r.pick([...NUMBERS, Number.NaN, Number.POSITIVE_INFINITY, 10n ** 20n]);
  } else if (mode < 18) {
    for (let n = 1 + r.int(3); n > 0; n--) {
      const key = p.keys.length > 0 ? r.pick(p.keys) : "extra";
      const change = r.int(4);
      if (change === 0) input[key] = hostileValue(r);
      else if (change === 1) delete input[key];
      else if (change === 2) input[r.pick(STRINGS) || "unknown"] = hostileValue(r);
      else if (/Id$/.test(key)) input[key] = idFor(r, key, "mixed") ?? r.pick(NUMBERS);
    }
  }
  // else: left plausible (other projects' ids, when the side says so)
  return input;
}

/** superjson as the client sends it; a value even superjson cannot write becomes `{}`. */
function serialize(input: unknown): string {
  try {
    return JSON.stringify(superjson.serialize(input)) ?? "{}";
  } catch {
    return "{}";
  }
}

// calls that end sessions use a throwaway user's, so the others stay signed in
const endsSessions = (p: Procedure) => /^auth\.(signOut|signOutEverywhere|changePassword)$/.test(p.path);

function planTrpc(r: Rng, all: Procedure[]): Planned {
  const p = r.pick(all);
  const who = endsSessions(p)
    ? "throwaway"
    : r.pick(["intruder", "intruder", "intruder", "intruder", "stranger", "anon"]);
  // the intruder deletes their own things rarely, so their project stays to reach into
  const destructive = /delete|remove|revoke|withdraw/i.test(p.path);
  const side: Side = destructive
    ? r.pick(["own", "victim", "victim", "victim", "victim", "victim", "victim", "victim", "victim", "mixed"])
    : r.pick(["own", "own", "own", "victim", "mixed"]);
  const headers: Record<string, string> = { origin: APP_URL, "content-type": "application/json" };
  const cookieOf: Record<string, Client> = {
    intruder: f.b.owner.client,
    stranger: f.stranger.client,
    throwaway: f.throwaway.client,
  };
  if (cookieOf[who]) headers.cookie = h.cookieHeader(cookieOf[who]);
  let method = p.type === "query" ? "GET" : "POST";
  let text = serialize(trpcInput(r, p, side));
  let path = p.path;
  let expected: Planned["expect"];
  const twist = r.int(40);
  if (twist === 0) method = r.pick(["GET", "POST", "PUT", "DELETE", "PATCH"]);
  else if (twist === 1)
    text = r.pick(['{"json": {', "[]", "null", '"x"', "{}", "", '{"json": 1, "meta": 2}']);
  else if (twist === 2)
    text = `{"json": {"${r.pick(p.keys.length ? p.keys : ["x"])}": ${nestedJson(10_000)}}}`;
  else if (twist === 3)
    text = JSON.stringify({
      json: { x: 1 },
      meta: { values: { x: [r.pick(["custom", "class", "symbol"]), "Evil"] } },
    });
  else if (twist === 4)
    headers["content-type"] = r.pick([
      "text/plain",
      "multipart/form-data; boundary=x",
      "application/octet-stream",
      "",
    ]);
  else if (twist === 5) {
    path = `${p.path},${r.pick(all.filter((x) => !endsSessions(x)).concat(p)).path}`;
    text = `{"0": ${serialize(trpcInput(r, p, side))}, "1": ${serialize(hostileValue(r))}}`;
    return finishTrpc(`${path}?batch=1`, method, headers, text, "trpc batch");
  } else if (twist === 6)
    path = r.pick(["nope.nothing", "projects", "projects.get.x", "__proto__.toString", "%00"]);
  else if (twist === 7) headers.authorization = r.pick([`Bearer ${f.a.token}`, "Bearer junk", "Basic eDp5"]);
  else if (twist === 8)
    headers.cookie = r.pick([
      "keyflow_session=junk",
      `keyflow_session=${"x".repeat(5000)}`,
      "keyflow_session=\u00ff\u00fe",
    ]);
  else if (twist === 9 && p.type === "mutation") {
    // the victim's own session on a write, from another site: refused before anything runs
    headers.cookie = h.cookieHeader(f.a.owner.client);
    if (r.chance(0.5)) delete headers.origin;
    else headers.origin = r.pick(["http://evil.test", "null", `${APP_URL}.evil.test`]);
    expected = "403";
  }
  if (r.chance(0.002)) text = `{"json": {"x": "${"y".repeat(9 * 1024 * 1024)}"}}`; // over the body limit
  return finishTrpc(path, method, headers, text, `trpc ${p.path}`, expected);
}

function finishTrpc(
  path: string,
  method: string,
  headers: Record<string, string>,
  text: string,
  kind: string,
  expected?: Planned["expect"],
): Planned {
  const withBody = method !== "GET" && method !== "HEAD";
  const sep = path.includes("?") ? "&" : "?";
  const url = withBody
    ? `/trpc/${path}`
    : `/trpc/${path}${text ? `${sep}input=${encodeURIComponent(text)}` : ""}`;
  return { kind, method, url, headers, body: withBody ? text : undefined, expect: expected };
}

// ---- REST -----------------------------------------------------------------------------------

interface RestOperation {
  method: string;
  template: string;
  query: string[];
  body?: string;
}

function restOperations(doc: { paths: Record<string, Record<string, unknown>> }): RestOperation[] {
  const ops: RestOperation[] = [];
  for (const [template, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const o = op as { parameters?: { name: string; in: string }[]; requestBody?: { content: object } };
      ops.push({
        method: method.toUpperCase(),
        template,
        query: (o.parameters ?? []).filter((x) => x.in === "query").map((x) => x.name),
        body: o.requestBody ? Object.keys(o.requestBody.content)[0] : undefined,
      });
    }
  }
  return ops;
}

const PARAM_STRINGS = [
  "0",
  "-1",
  "2147483648",
  "99999999999999999999",
  "1e3",
  "0x10",
  "1.5",
  "abc",
  "%00",
  "%ED%A0%80",
  "%",
  "..",
  "%2e%2e",
  "😀",
  " 1",
  "١",
];

type World = typeof f.a;

function paramValue(r: Rng, name: string, w: World, other: World): string {
  if (name === "sha256")
    return r.pick([
      w.hash,
      other.hash,
      "0".repeat(64),
      w.hash.toUpperCase(),
      "z".repeat(64),
      "a".repeat(65),
      ...PARAM_STRINGS,
    ]);
  const roll = r.next();
  if (roll < 0.6) return String(r.pick(w.pools[name] ?? w.pools.nodeId!));
  if (roll < 0.75) return String(r.pick(other.pools[name] ?? other.pools.nodeId!));
  return r.pick(PARAM_STRINGS);
}

function restBody(r: Rng, op: RestOperation, w: World): { text?: string | Uint8Array; type?: string } {
  if (!op.body) return r.chance(0.1) ? { text: "{}", type: "application/json" } : {};
  if (op.body === "application/octet-stream")
    return {
      text: Uint8Array.from({ length: r.pick([0, 1, 64, 4096]) }, () => r.int(256)),
      type: r.pick(["application/octet-stream", "text/plain"]),
    };
  const twist = r.int(12);
  if (twist === 0)
    return { text: r.pick(["{", "[1]", "null", '"s"', "1", "", "{}{}"]), type: "application/json" };
  if (twist === 1)
    return {
      text: `{"fields": ${nestedJson(r.pick([65, 3000, 10_000]), '{"a":', "}")}}`,
      type: "application/json",
    };
  if (twist === 2)
    return { text: "label=x", type: r.pick(["application/x-www-form-urlencoded", "text/plain", ""]) };
  if (twist === 3 && r.chance(0.05))
    return { text: `{"label": "${"x".repeat(1_100_000)}"}`, type: "application/json" };
  // as Python's json.dumps writes a lone surrogate and a NUL
  if (twist === 4)
    return {
      text: r.pick(['{"fields": {"s": "\\ud800"}}', '{"label": "\\u0000"}']),
      type: "application/json",
    };
  const body: Record<string, unknown> = {
    label: "l",
    fields: r.chance(0.5) ? { a: 1 } : [{ name: "a", value: 1 }],
    master_id: r.pick(w.pools.packageId!),
    data_layer_id: r.pick(w.pools.dataLayerId!),
    files: r.chance(0.2) ? [{ name: "data.bin", content_hash: w.hash }] : undefined,
  };
  for (let n = r.pick([0, 1, 1, 2, 3]); n > 0; n--) {
    const poison = r.pick(TEXT_POISON);
    const change = r.int(4);
    if (change === 0) body.label = poison;
    else if (change === 1)
      body.fields = r.pick([{ s: poison }, { [poison]: 1 }, [{ name: poison, value: 1 }]]);
    else if (change === 2) body[r.pick(["master_id", "data_layer_id"])] = r.pick(NUMBERS);
    else
      body[r.pick(["label", "fields", "felds", "master_id", "data_layer_id", "files", r.pick(STRINGS)])] =
        hostileValue(r);
  }
  let text: string;
  try {
    text = JSON.stringify(body, (_, v) => (typeof v === "bigint" ? Number(v) : v));
  } catch {
    text = "{}";
  }
  return { text, type: "application/json" };
}

function planRest(r: Rng, ops: RestOperation[]): Planned {
  const op = r.pick(ops);
  // the project whose routes are called, and the other one
  const [w, other] = r.chance(0.5) ? [f.a, f.b] : [f.b, f.a];
  const params: Record<string, string> = {};
  const path = op.template.replace(/\{(\w+)\}/g, (_, name: string) => {
    params[name] = paramValue(r, name, w, other);
    return params[name];
  });
  const query = new URLSearchParams();
  const signed = new URL(w.downloadUrl, APP_URL).searchParams;
  for (const name of op.query) {
    if (r.chance(0.5)) continue;
    const valid = signed.get(name) ?? String(r.pick(w.pools.dataLayerId!));
    const value = r.chance(0.5) ? valid : r.pick([...PARAM_STRINGS, valid.slice(0, -1), `${valid}0`, ""]);
    query.append(name, value);
    if (r.chance(0.05)) query.append(name, r.pick(PARAM_STRINGS)); // repeated
  }
  if (r.chance(0.05)) query.append(r.pick(STRINGS) || "x", r.pick(STRINGS));
  let method = op.method;
  if (r.chance(0.05)) method = r.pick(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]);
  const { text, type } = restBody(r, op, w);
  const headers: Record<string, string> = {};
  if (type) headers["content-type"] = type;
  let expected: Planned["expect"];
  const token = w.token;
  const auth = r.int(12);
  if (auth <= 4) headers.authorization = `Bearer ${token}`;
  else if (auth === 5) {
    // another project's key is refused on this project's routes
    headers.authorization = `Bearer ${other.token}`;
    if (params.projectId === String(w.project.id)) expected = "refused";
  } else if (auth === 6) {
    headers.authorization = r.pick([
      `Bearer ${token.slice(0, r.int(token.length))}`, // truncated
      `Bearer ${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`, // garbled
      `Bearer ${w.revokedToken}`, // revoked
      `Bearer ${token}${token}`,
      "Bearer",
      `Basic ${token}`,
      `bearer   ${token.toLowerCase()}`,
      `Bearer ${"kf_".padEnd(5000, "x")}`,
    ]);
    if (path.startsWith("/api/projects/")) expected = "refused";
  } else if (auth === 7) {
    headers.cookie = h.cookieHeader(f.stranger.client);
    headers.origin = APP_URL;
  } else if (auth === 8 && method !== "GET" && method !== "HEAD") {
    // the victim's session on a write without (or from another) Origin
    headers.cookie = h.cookieHeader(f.a.owner.client);
    if (r.chance(0.5)) headers.origin = "http://evil.test";
    expected = "403";
  } else if (auth === 9) headers.cookie = r.pick(["keyflow_session=junk", "keyflow_session=\u00ff"]);
  // else: signed out
  const qs = query.toString();
  return {
    kind: `rest ${op.method} ${op.template}`,
    method,
    url: `${path}${qs ? `?${qs}` : ""}`,
    headers,
    body: method === "GET" || method === "HEAD" ? undefined : text,
    expect: expected,
  };
}

// ---- the run --------------------------------------------------------------------------------

interface Outcome {
  planned: Planned;
  status: number | "hang" | "threw";
  text: string;
}

async function send(planned: Planned): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"hang">((resolve) => {
    timer = setTimeout(() => resolve("hang"), TIMEOUT_MS);
  });
  try {
    const answer = await Promise.race([
      (async () => {
        const res = await h.app.request(planned.url, {
          method: planned.method,
          headers: planned.headers,
          body: planned.body as RequestInit["body"],
        });
        return { status: res.status, text: await res.text() };
      })(),
      timeout,
    ]);
    if (answer === "hang") return { planned, status: "hang", text: "" };
    return { planned, ...answer };
  } catch (e) {
    return { planned, status: "threw", text: String(e) };
  } finally {
    clearTimeout(timer);
  }
}

/** Texts of runtime, parser and PostgreSQL errors: a refusal is written in our words, never these. */
const INTERNAL =
  /Maximum call stack|RangeError|SyntaxError|TypeError|ReferenceError|in JSON at position|Unexpected token|syntax error at or near|invalid input syntax|violates .* constraint|invalid byte sequence|unsupported Unicode escape|node_modules/;

const describeRequest = (o: Outcome) => {
  const body =
    typeof o.planned.body === "string"
      ? o.planned.body.slice(0, 200)
      : `${o.planned.body?.length ?? 0} bytes`;
  return `${o.status} ${o.planned.kind}: ${o.planned.method} ${o.planned.url.slice(0, 200)} ${body} → ${o.text.slice(0, 200)}`;
};

test(
  `hostile input: ${REQUESTS} seeded requests over every route and procedure`,
  async () => {
    console.log(`hostile input: HOSTILE_SEED=${SEED} HOSTILE_REQUESTS=${REQUESTS}`);
    const r = prng(SEED);
    const doc = (await rest(h).get("/api/openapi.json")).body;
    const ops = restOperations(doc);
    const procs = trpcProcedures();
    expect(ops.length).toBeGreaterThanOrEqual(9);
    expect(procs.length).toBeGreaterThanOrEqual(60);
    // every route and procedure at least once, then at random
    const plan: Planned[] = [];
    for (const p of procs) plan.push(planTrpc(r, [p]));
    for (const op of ops) plan.push(planRest(r, [op]));
    while (plan.length < REQUESTS) plan.push(r.chance(0.6) ? planTrpc(r, procs) : planRest(r, ops));

    const logs = captureLogs();
    const outcomes: Outcome[] = [];
    const started = Date.now();
    try {
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < plan.length) outcomes.push(await send(plan[next++]!));
        }),
      );
      // the capture is live: a line the app's logger writes arrives
      logger.info({ seed: SEED }, "hostile input: capture check");
    } finally {
      logs.stop();
    }
    expect(logs.lines.some((l) => l.includes("capture check"))).toBe(true);
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `hostile input: ${outcomes.length} requests in ${seconds.toFixed(1)} s, ${logs.lines.length} log lines`,
    );

    const failures: string[] = [];
    for (const o of outcomes) {
      const { status, planned } = o;
      if (typeof status !== "number" || status >= 500)
        failures.push(`server error or hang: ${describeRequest(o)}`);
      else if (planned.expect === "403" && status !== 403)
        failures.push(`cross-site write not refused: ${describeRequest(o)}`);
      else if (planned.expect === "refused" && status < 400)
        failures.push(`bad or foreign key accepted: ${describeRequest(o)}`);
      else if (status >= 400 && INTERNAL.test(o.text))
        failures.push(`internal message: ${describeRequest(o)}`);
      for (const [what, value] of Object.entries(f.watched))
        if (o.text.includes(value)) failures.push(`${what} in an answer: ${describeRequest(o)}`);
    }
    for (const line of logs.lines)
      for (const [what, value] of Object.entries(f.watched))
        if (line.includes(value)) failures.push(`${what} in a log line: ${line.slice(0, 300)}`);
    const statuses = new Map<string, number>();
    for (const o of outcomes) statuses.set(String(o.status), (statuses.get(String(o.status)) ?? 0) + 1);
    console.log(`hostile input: statuses ${[...statuses].map(([s, n]) => `${s}×${n}`).join(" ")}`);
    expect(failures.slice(0, 20), `HOSTILE_SEED=${SEED}: ${failures.length} failures`).toEqual([]);

    // still healthy: a health check, a key call and a signed-in call succeed
    expect((await h.app.request("/healthz")).status).toBe(200);
    const search = await rest(h, { bearer: f.a.token }).post(
      `/api/projects/${f.a.project.id}/nodes/${f.a.input.id}/packages/search`,
      {},
    );
    expect(search.status).toBe(200);
    expect((await f.a.owner.client.projects.get.query({ projectId: f.a.project.id })).id).toBe(
      f.a.project.id,
    );
    // no hostile request ended the intruder's session
    expect((await f.b.owner.client.auth.me.query())?.id).toBe(f.b.owner.user.id);
  },
  // a fuzz run takes as long as it needs
  Math.max(180_000, REQUESTS * 25),
);
