import type { OpenAPIHono } from "@hono/zod-openapi";
import type { RestEnv } from "./env";

type Document = ReturnType<OpenAPIHono["getOpenAPI31Document"]>;

/** The document's header; paths and schemas come from the route declarations. */
const DOCUMENT_HEAD = {
  openapi: "3.1.0",
  info: {
    title: "Keyflow data plane",
    version: "1.0.0",
    description:
      'Send packages to a project\'s nodes and read results. Authenticate with `Authorization: Bearer <API key>` or the web session cookie. Errors are `{"detail": "…"}`; for invalid input (422) the message starts with the field.',
  },
  servers: [{ url: "/" }],
  security: [{ bearer: [] }],
};

/** Serves /api/openapi.json, generated from the routes' declarations, and a reference page reading it. */
export function serveDocs(api: OpenAPIHono<RestEnv>) {
  api.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "An API key: kf_ and 46 characters",
  });
  api.doc31("/openapi.json", DOCUMENT_HEAD);
  api.get("/docs", (c) => c.html(referencePage(api.getOpenAPI31Document(DOCUMENT_HEAD))));
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

interface Operation {
  summary?: string;
  description?: string;
  parameters?: { name: string; in: string; required?: boolean; description?: string }[];
  requestBody?: { content: Record<string, unknown> };
  responses?: Record<string, { description?: string }>;
}

/** A self-contained page (no external scripts: the server may have no internet). */
function referencePage(doc: Document): string {
  const sections = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
    Object.entries(item as Record<string, Operation>).map(([method, op]) => {
      const rows = (op.parameters ?? [])
        .map(
          (p) =>
            `<tr><td><code>${escapeHtml(p.name)}</code></td><td>${p.in}</td><td>${p.required ? "yes" : ""}</td><td>${escapeHtml(p.description ?? "")}</td></tr>`,
        )
        .join("");
      const body = op.requestBody
        ? `<p>Body: ${Object.keys(op.requestBody.content).map(escapeHtml).join(", ")}; schema in <a href="/api/openapi.json">openapi.json</a>.</p>`
        : "";
      const answers = Object.entries(op.responses ?? {})
        .map(([code, r]) => `<li><code>${code}</code> ${escapeHtml(r.description ?? "")}</li>`)
        .join("");
      return `<section><h2><span class="m ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h2>
<p>${escapeHtml(op.summary ?? "")}</p>${op.description ? `<p>${escapeHtml(op.description)}</p>` : ""}
${rows ? `<table><tr><th>parameter</th><th>in</th><th>required</th><th></th></tr>${rows}</table>` : ""}${body}<ul>${answers}</ul></section>`;
    }),
  );
  return `<!doctype html><html><head><meta charset="utf-8"><title>Keyflow API reference</title><style>
body{font:15px/1.5 system-ui,sans-serif;max-width:900px;margin:2rem auto;padding:0 1rem;color:#1f2933}
h2{font-size:1.05rem;margin-top:2rem}code{background:#f1f3f5;padding:0 .3em;border-radius:3px}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #e4e7eb;padding:.3rem;text-align:left}
.m{display:inline-block;min-width:3.5em;text-align:center;border-radius:4px;color:#fff;font-size:.8rem;padding:.1rem .3rem}
.get{background:#2f80ed}.post{background:#27ae60}.put{background:#f2994a}</style></head><body>
<h1>Keyflow REST API</h1><p>${escapeHtml(doc.info.description ?? "")}</p>
<p>Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a>.</p>
${sections.join("\n")}</body></html>`;
}
