import { Hono } from "hono";

const id = { type: "integer", minimum: 1 } as const;
const param = (name: string, where: "path" | "query", description: string, required = where === "path") => ({
  name,
  in: where,
  required,
  description,
  schema: name === "sha256" ? { type: "string", pattern: "^[0-9a-f]{64}$" } : id,
});
const projectParam = param("projectId", "path", "Project id");
const nodeParam = param("nodeId", "path", "Node id");
const layerParam = param("data_layer_id", "query", "Data layer (an API key defaults to its personal layer)");
const errors = Object.fromEntries(
  [
    ["401", "Missing, unknown, revoked or expired key"],
    ["403", "No permission"],
    ["404", "Unknown or invisible project, node, package or layer"],
    ["422", "Invalid input; the message names the field"],
    ["429", "Rate limit (see Retry-After)"],
  ].map(([code, description]) => [
    code,
    { description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } },
  ]),
);
const ok = (schema: object, description = "OK") => ({
  "200": { description, content: { "application/json": { schema } } },
  ...errors,
});
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** The OpenAPI 3.1 description of the REST data plane (SPEC §5). */
export const openApiDocument = {
  openapi: "3.1.0",
  info: {
    title: "Keyflow data plane",
    version: "1.0.0",
    description:
      'Send packages to a project\'s nodes and read results. Authenticate with `Authorization: Bearer <API key>` or the web session. Errors are `{"detail": …}`.',
  },
  servers: [{ url: "/" }],
  security: [{ bearer: [] }],
  components: {
    securitySchemes: {
      bearer: { type: "http", scheme: "bearer", description: "An API key: kf_ + 46 characters" },
    },
    schemas: {
      Error: { type: "object", properties: { detail: { type: "string" } }, required: ["detail"] },
      DataLayer: {
        type: "object",
        properties: {
          id,
          name: { type: "string" },
          kind: { enum: ["shared", "personal"] },
          owner_id: { type: ["integer", "null"] },
        },
      },
      Package: {
        type: "object",
        properties: {
          id,
          label: { type: "string" },
          fields: {
            type: "array",
            items: { type: "object", properties: { name: { type: "string" }, value: {} } },
          },
          master_id: id,
          parent_id: { type: ["integer", "null"] },
          node_id: id,
          data_layer_id: id,
          created_at: { type: "string", format: "date-time" },
        },
      },
      NewPackage: {
        type: "object",
        properties: {
          label: { type: "string", maxLength: 1024 },
          fields: {
            oneOf: [
              { type: "object" },
              {
                type: "array",
                items: { type: "object", properties: { name: { type: "string" }, value: {} } },
              },
            ],
          },
          data_layer_id: id,
          files: {
            type: "array",
            maxItems: 100,
            items: {
              type: "object",
              properties: {
                name: { type: "string" },
                content_hash: { type: "string" },
                type: { type: "string" },
                is_executable: { type: "boolean" },
              },
              required: ["name", "content_hash"],
            },
          },
        },
      },
      File: {
        type: "object",
        properties: {
          name: { type: "string" },
          content: {
            type: "string",
            format: "uri",
            description: "Signed download URL, valid about 10 minutes, no Authorization needed",
          },
          content_hash: { type: "string" },
          size: { type: "integer" },
          type: { type: "string" },
          is_executable: { type: "boolean" },
        },
      },
    },
  },
  paths: {
    "/api/projects/{projectId}/data_layers": {
      get: {
        summary: "Data layers the caller may use",
        parameters: [projectParam],
        responses: ok({ type: "array", items: ref("DataLayer") }),
      },
    },
    "/api/projects/{projectId}/data_layers/last": {
      get: {
        summary: "A key's personal layer; for a user the newest layer they may use",
        parameters: [projectParam],
        responses: ok(ref("DataLayer")),
      },
    },
    "/api/projects/{projectId}/nodes/{nodeId}/packages": {
      post: {
        summary: "Create a package (its own master) and push it along the node's links",
        parameters: [projectParam, nodeParam, layerParam],
        requestBody: { content: { "application/json": { schema: ref("NewPackage") } } },
        responses: ok(ref("Package")),
      },
    },
    "/api/projects/{projectId}/nodes/{nodeId}/packages/search": {
      post: {
        summary: "Packages of a node, newest first, optionally of one lineage",
        parameters: [
          projectParam,
          nodeParam,
          layerParam,
          param("page", "query", "Page, from 1", false),
          {
            ...param("page_size", "query", "1 to 100, default 10", false),
            schema: { type: "integer", minimum: 1, maximum: 100 },
          },
        ],
        requestBody: {
          content: {
            "application/json": {
              schema: { type: "object", properties: { master_id: { type: ["integer", "null"] } } },
            },
          },
        },
        responses: ok({
          type: "object",
          properties: { total: { type: "integer" }, items: { type: "array", items: ref("Package") } },
        }),
      },
    },
    "/api/projects/{projectId}/nodes/{nodeId}/packages/{packageId}": {
      get: {
        summary: "One package",
        parameters: [projectParam, nodeParam, param("packageId", "path", "Package id")],
        responses: ok(ref("Package")),
      },
    },
    "/api/projects/{projectId}/nodes/{nodeId}/packages/{packageId}/files": {
      get: {
        summary: "A package's files with signed download URLs",
        parameters: [projectParam, nodeParam, param("packageId", "path", "Package id")],
        responses: ok({ type: "array", items: ref("File") }),
      },
    },
    "/api/projects/{projectId}/objects/{sha256}": {
      put: {
        summary:
          "Prepare an upload: null when the object is stored already, else a signed URL to PUT the bytes to",
        parameters: [projectParam, param("sha256", "path", "SHA-256 hex of the bytes")],
        responses: ok({ type: ["string", "null"] }),
      },
    },
  },
};

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** A self-contained reference page (no external scripts: the server may have no internet). */
function referencePage(): string {
  const ops = Object.entries(openApiDocument.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => {
      const o = op as {
        summary: string;
        parameters: { name: string; in: string; description: string; required: boolean }[];
        requestBody?: unknown;
      };
      const rows = o.parameters
        .map(
          (p) =>
            `<tr><td><code>${p.name}</code></td><td>${p.in}</td><td>${p.required ? "yes" : ""}</td><td>${escapeHtml(p.description)}</td></tr>`,
        )
        .join("");
      return `<section><h2><span class="m ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h2><p>${escapeHtml(o.summary)}</p><table><tr><th>parameter</th><th>in</th><th>required</th><th></th></tr>${rows}</table>${o.requestBody ? "<p>Body: JSON, see the schema in <a href='/api/openapi.json'>openapi.json</a>.</p>" : ""}</section>`;
    }),
  );
  return `<!doctype html><html><head><meta charset="utf-8"><title>Keyflow API reference</title><style>
body{font:15px/1.5 system-ui,sans-serif;max-width:900px;margin:2rem auto;padding:0 1rem;color:#1f2933}
h2{font-size:1.05rem;margin-top:2rem}code{background:#f1f3f5;padding:0 .3em;border-radius:3px}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #e4e7eb;padding:.3rem;text-align:left}
.m{display:inline-block;min-width:3.5em;text-align:center;border-radius:4px;color:#fff;font-size:.8rem;padding:.1rem .3rem}
.get{background:#2f80ed}.post{background:#27ae60}.put{background:#f2994a}</style></head><body>
<h1>Keyflow REST API</h1><p>${escapeHtml(openApiDocument.info.description)}</p>
<p>Errors: 401 missing/unknown/revoked/expired key · 403 no permission · 404 unknown or invisible · 422 invalid input · 429 rate limit. Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a>.</p>
${ops.join("\n")}</body></html>`;
}

export function openApiRoutes() {
  const r = new Hono();
  r.get("/openapi.json", (c) => c.json(openApiDocument));
  r.get("/docs", (c) => c.html(referencePage()));
  return r;
}
