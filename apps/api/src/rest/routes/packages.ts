import { badRequest, loadAccess, notFound, type Principal, packages } from "@keyflow/core";
import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../deps";
import type { Services } from "../../services";
import type { RestEnv } from "../env";
import { intParam, jsonBody, params } from "../input";
import { signUrl, subjectOf } from "../signedUrls";

const nodeParams = z.object({ projectId: intParam("projectId"), nodeId: intParam("nodeId") });
const layerQuery = z.object({ data_layer_id: intParam("data_layer_id").optional() });
const packageParams = nodeParams.extend({ packageId: intParam("packageId") });
const pageSize = z
  .string()
  .regex(/^\d{1,6}$/, "must be between 1 and 100")
  .transform(Number)
  .refine((n) => n >= 1 && n <= 100, "must be between 1 and 100");
const searchQuery = layerQuery.extend({ page: intParam("page").optional(), page_size: pageSize.optional() });

/** Checks project visibility first (404/401 as SPEC §5), then that the node is in that project. */
async function nodeOfProject(deps: AppDeps, principal: Principal, projectId: number, nodeId: number) {
  await loadAccess(deps.db, principal, projectId);
  const node = await deps.db
    .selectFrom("nodes")
    .select("project_id")
    .where("id", "=", nodeId)
    .executeTakeFirst();
  if (node?.project_id !== projectId) throw notFound("Node");
}

/** data_layer_id from the query or the body; a key defaults to its personal layer. */
function layerOf(principal: Principal, fromQuery?: number, fromBody?: unknown): number {
  if (fromQuery !== undefined) return fromQuery;
  if (fromBody !== undefined && fromBody !== null) {
    if (typeof fromBody !== "number" || !Number.isInteger(fromBody) || fromBody < 1) {
      throw badRequest("data_layer_id", "must be a positive integer");
    }
    return fromBody;
  }
  if (principal.kind === "apiKey") return principal.dataLayerId;
  throw badRequest("data_layer_id", "is required");
}

/** Fields as an object, or as the client's own `[{name, value}]` list. */
function fieldsOf(raw: unknown): unknown {
  if (!Array.isArray(raw)) return raw;
  const out: Record<string, unknown> = {};
  raw.forEach((f, i) => {
    if (typeof f !== "object" || f === null || typeof (f as { name?: unknown }).name !== "string") {
      throw badRequest(`fields.${i}`, "must be {name, value}");
    }
    out[(f as { name: string }).name] = (f as { value?: unknown }).value ?? null;
  });
  return out;
}

function filesOf(raw: unknown): unknown {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) throw badRequest("files", "must be a list");
  return raw.map((f) => {
    const file = (typeof f === "object" && f !== null ? f : {}) as Record<string, unknown>;
    return {
      name: file.name,
      contentHash: file.content_hash,
      type: file.type,
      isExecutable: file.is_executable,
    };
  });
}

export function packageRoutes(deps: AppDeps, services: Services) {
  const r = new Hono<RestEnv>();

  r.post("/projects/:projectId/nodes/:nodeId/packages", async (c) => {
    const p = params(c, nodeParams.and(layerQuery));
    const body = await jsonBody(c);
    await nodeOfProject(deps, c.var.principal, p.projectId, p.nodeId);
    const created = await packages.createPackage(deps.db, c.var.principal, {
      nodeId: p.nodeId,
      dataLayerId: layerOf(c.var.principal, p.data_layer_id, body.data_layer_id),
      label: body.label as string | undefined,
      // the RnDFlow client's create_package_and_post sends the misspelt "felds"
      fields: fieldsOf(body.fields ?? body.felds) as Record<string, unknown> | undefined,
      files: filesOf(body.files) as never,
    });
    return c.json(created, 200);
  });

  r.post("/projects/:projectId/nodes/:nodeId/packages/search", async (c) => {
    const p = params(c, nodeParams.and(searchQuery));
    const body = await jsonBody(c);
    await nodeOfProject(deps, c.var.principal, p.projectId, p.nodeId);
    const masterId = body.master_id;
    if (
      masterId !== undefined &&
      masterId !== null &&
      (typeof masterId !== "number" || !Number.isInteger(masterId))
    ) {
      throw badRequest("master_id", "must be an integer or null");
    }
    return c.json(
      await packages.searchPackages(deps.db, c.var.principal, {
        nodeId: p.nodeId,
        dataLayerId: layerOf(c.var.principal, p.data_layer_id, body.data_layer_id),
        masterId: (masterId as number | null | undefined) ?? null,
        page: p.page,
        pageSize: p.page_size,
      }),
    );
  });

  r.get("/projects/:projectId/nodes/:nodeId/packages/:packageId", async (c) => {
    const p = params(c, packageParams);
    await nodeOfProject(deps, c.var.principal, p.projectId, p.nodeId);
    return c.json(
      await packages.getPackage(deps.db, c.var.principal, { packageId: p.packageId, nodeId: p.nodeId }),
    );
  });

  r.get("/projects/:projectId/nodes/:nodeId/packages/:packageId/files", async (c) => {
    const p = params(c, packageParams);
    await nodeOfProject(deps, c.var.principal, p.projectId, p.nodeId);
    const files = await packages.listPackageFiles(deps.db, c.var.principal, {
      packageId: p.packageId,
      nodeId: p.nodeId,
    });
    const subject = subjectOf(c.var.principal);
    return c.json(
      files.map((f) => ({
        name: f.name,
        content: signUrl(services.keyring, deps.config.appUrl, "files", f.contentHash, subject),
        content_hash: f.contentHash,
        size: f.size,
        type: f.type,
        is_executable: f.isExecutable,
      })),
    );
  });

  return r;
}
