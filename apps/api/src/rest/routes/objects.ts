import { apiKeys, forbidden, loadAccess, packages, unauthorized } from "@keyflow/core";
import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../deps";
import type { Services } from "../../services";
import type { RestEnv } from "../env";
import { detail } from "../errors";
import { intParam, params } from "../input";
import { checkSignedUrl, signUrl, subjectOf } from "../signedUrls";

export const MAX_FILE_BYTES = 50 * 1024 * 1024;
const hashParam = z.string().regex(/^[0-9a-f]{64}$/, "must be a lowercase SHA-256 hex digest");

/** A signed URL issued to a key stops working once the key is revoked or expires. */
const subjectStillValid = (deps: AppDeps, subject: string) =>
  subject.startsWith("k") ? apiKeys.keyIsUsable(deps.db, Number(subject.slice(1))) : Promise.resolve(true);

export function objectRoutes(deps: AppDeps, services: Services) {
  const r = new Hono<RestEnv>();
  const blobs = packages.pgBlobStore(deps.db);

  /** The client's upload_project_file: null when stored already, else a signed URL to PUT the bytes to. */
  r.put("/projects/:projectId/objects/:sha256", async (c) => {
    const p = params(c, z.object({ projectId: intParam("projectId"), sha256: hashParam }));
    const access = await loadAccess(deps.db, c.var.principal, p.projectId);
    if (!access.hasOnSomeNode("package_create")) {
      throw c.var.principal.kind === "anonymous"
        ? unauthorized()
        : forbidden("Missing permission package_create in this project");
    }
    if ((await blobs.size(p.sha256)) !== null) return c.json(null);
    return c.json(
      signUrl(services.keyring, deps.config.appUrl, "uploads", p.sha256, subjectOf(c.var.principal)),
    );
  });

  r.put("/uploads/:sha256", async (c) => {
    const { sha256 } = params(c, z.object({ sha256: hashParam }));
    const check = checkSignedUrl(services.keyring, "uploads", sha256, c.req.query());
    if (!check.ok) return detail(c, 403, check.reason);
    if (!(await subjectStillValid(deps, check.subject))) return detail(c, 401, "API key revoked");
    const length = Number(c.req.header("content-length") ?? 0);
    if (length > MAX_FILE_BYTES) return detail(c, 413, "Files may be at most 50 MiB");
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (bytes.byteLength > MAX_FILE_BYTES) return detail(c, 413, "Files may be at most 50 MiB");
    if (packages.sha256Hex(bytes) !== sha256)
      return detail(c, 422, "body: its SHA-256 does not match the URL");
    await blobs.put(bytes);
    return c.json({ content_hash: sha256, size: bytes.byteLength });
  });

  r.get("/files/:sha256", async (c) => {
    const { sha256 } = params(c, z.object({ sha256: hashParam }));
    const check = checkSignedUrl(services.keyring, "files", sha256, c.req.query());
    if (!check.ok) return detail(c, 403, check.reason);
    if (!(await subjectStillValid(deps, check.subject))) return detail(c, 401, "API key revoked");
    const bytes = await blobs.get(sha256);
    if (!bytes) return detail(c, 404, "File not found");
    c.header("Content-Type", "application/octet-stream");
    c.header("Cache-Control", "private, max-age=600");
    return c.body(new Uint8Array(bytes));
  });

  return r;
}
