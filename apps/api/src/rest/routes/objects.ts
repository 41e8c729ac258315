import { createRoute, z } from "@hono/zod-openapi";
import { badRequest, forbidden, loadAccess, notFound, packages, unauthorized } from "@keyflow/core";
import type { AppDeps } from "../../deps";
import type { Services } from "../../services";
import { restRouter } from "../router";
import { blobPath, json, objectPath, rawBytes, refusals, signatureQuery, storedObject } from "../schemas";
import { requireSignedUrl, signUrl, subjectOf } from "../signedUrls";

const prepareUploadRoute = createRoute({
  method: "put",
  path: "/projects/{projectId}/objects/{sha256}",
  summary: "Prepare an upload (the client's upload_project_file)",
  description: "Needs package_create on some node of the project. No body.",
  request: { params: objectPath },
  responses: {
    200: json(
      z.url().nullable().meta({ description: "null when stored already" }),
      "null when the object is stored already, else a signed URL to PUT the bytes to",
    ),
    ...refusals(401, 403, 404, 413, 422, 429, 500),
  },
});

const uploadRoute = createRoute({
  method: "put",
  path: "/uploads/{sha256}",
  summary: "Upload an object's bytes to the signed URL from PUT /api/projects/{projectId}/objects/{sha256}",
  security: [],
  request: {
    params: blobPath,
    query: signatureQuery,
    body: { content: { "application/octet-stream": { schema: rawBytes } } },
  },
  responses: {
    200: json(storedObject, "Stored"),
    ...refusals(401, 403, 413, 422, 429, 500),
  },
});

const downloadRoute = createRoute({
  method: "get",
  path: "/files/{sha256}",
  summary: "Download a file's bytes from the signed URL in a package's file list",
  security: [],
  request: { params: blobPath, query: signatureQuery },
  responses: {
    200: { description: "The bytes", content: { "application/octet-stream": { schema: rawBytes } } },
    ...refusals(401, 403, 404, 422, 429, 500),
  },
});

export function objectRoutes(deps: AppDeps, services: Services) {
  const blobs = packages.pgBlobStore(deps.db);
  return restRouter()
    .openapi(prepareUploadRoute, async (c) => {
      const { projectId, sha256 } = c.req.valid("param");
      const principal = c.get("principal");
      const access = await loadAccess(deps.db, principal, projectId);
      if (!access.hasOnSomeNode("package_create")) {
        throw principal.kind === "anonymous"
          ? unauthorized()
          : forbidden("Missing permission package_create in this project");
      }
      if ((await blobs.size(sha256)) !== null) return c.json(null, 200);
      const url = signUrl(services.keyring, deps.config.appUrl, "uploads", sha256, subjectOf(principal));
      return c.json(url, 200);
    })
    .openapi(uploadRoute, async (c) => {
      const { sha256 } = c.req.valid("param");
      await requireSignedUrl(deps.db, services.keyring, "uploads", sha256, c.req.valid("query"));
      // at most MAX_PACKAGE_FILE_BYTES: bodyLimit refuses more while it streams in
      const body = new Uint8Array(await c.req.arrayBuffer());
      if (packages.sha256Hex(body) !== sha256) throw badRequest("body", "its SHA-256 does not match the URL");
      await blobs.put(body);
      return c.json({ content_hash: sha256, size: body.byteLength }, 200);
    })
    .openapi(downloadRoute, async (c) => {
      const { sha256 } = c.req.valid("param");
      await requireSignedUrl(deps.db, services.keyring, "files", sha256, c.req.valid("query"));
      const stored = await blobs.get(sha256);
      if (!stored) throw notFound("File");
      c.header("Content-Type", "application/octet-stream");
      c.header("Cache-Control", "private, max-age=600");
      return c.body(new Uint8Array(stored));
    });
}
