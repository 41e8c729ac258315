import { createRoute, z } from "@hono/zod-openapi";
import { badRequest, type Principal, packages } from "@keyflow/core";
import type { Context, TypedResponse } from "hono";
import type { JSONParsed } from "hono/utils/types";
import type { AppDeps } from "../../deps";
import type { Services } from "../../services";
import { jsonObjectBody } from "../jsonBody";
import { restRouter } from "../router";
import {
  json,
  layerQuery,
  newPackageBody,
  nodePath,
  packageFileJson,
  packageJson,
  packagePage,
  packagePath,
  packageSearchBody,
  refusals,
  searchQuery,
} from "../schemas";
import { signUrl, subjectOf } from "../signedUrls";

const createPackageRoute = createRoute({
  method: "post",
  path: "/projects/{projectId}/nodes/{nodeId}/packages",
  summary: "Create a package (its own master) and push it along the node's links",
  description: "Answers 200, not 201: the RnDFlow client prints the body of any other status.",
  middleware: [jsonObjectBody] as const,
  request: {
    params: nodePath,
    query: layerQuery,
    body: { content: { "application/json": { schema: newPackageBody } } },
  },
  responses: {
    200: json(packageJson, "The created package"),
    ...refusals(401, 403, 404, 413, 422, 429, 500),
  },
});

const searchPackagesRoute = createRoute({
  method: "post",
  path: "/projects/{projectId}/nodes/{nodeId}/packages/search",
  summary: "Packages of a node in a layer, newest first, optionally of one lineage",
  description:
    "With `master_id` (a poll for a result) the answer is kept in memory until the lineage changes: " +
    "a package written into it by any process is seen within a second, typically a few milliseconds.",
  middleware: [jsonObjectBody] as const,
  request: {
    params: nodePath,
    query: searchQuery,
    body: { content: { "application/json": { schema: packageSearchBody } } },
  },
  responses: { 200: json(packagePage, "One page"), ...refusals(401, 403, 404, 413, 422, 429, 500) },
});

const getPackageRoute = createRoute({
  method: "get",
  path: "/projects/{projectId}/nodes/{nodeId}/packages/{packageId}",
  summary: "One package",
  request: { params: packagePath },
  responses: { 200: json(packageJson, "The package"), ...refusals(401, 403, 404, 422, 429, 500) },
});

const packageFilesRoute = createRoute({
  method: "get",
  path: "/projects/{projectId}/nodes/{nodeId}/packages/{packageId}/files",
  summary: "A package's files, with signed download URLs",
  request: { params: packagePath },
  responses: {
    200: json(z.array(packageFileJson), "The files, by name"),
    ...refusals(401, 403, 404, 422, 429, 500),
  },
});

/**
 * The JSON text of search pages core answered. A poll's kept answer is the same page object each
 * time (core's searchPackages), so its text is made once, not on every poll.
 */
const pageTexts = new WeakMap<packages.PackagePage, string>();

/** What `c.json(page, 200)` answers (and is typed as), with the text made once per page. */
function pageJson(c: Context, page: packages.PackagePage) {
  let text = pageTexts.get(page);
  if (text === undefined) {
    text = JSON.stringify(page);
    pageTexts.set(page, text);
  }
  return c.body(text, 200, { "content-type": "application/json" }) as unknown as Response &
    TypedResponse<JSONParsed<packages.PackagePage>, 200, "json">;
}

/** data_layer_id from the query, else the body; a key defaults to its personal layer. */
function layerOf(principal: Principal, given: number | null | undefined): number {
  if (given != null) return given;
  if (principal.kind === "apiKey") return principal.dataLayerId;
  throw badRequest("data_layer_id", "is required");
}

export function packageRoutes(deps: AppDeps, services: Services) {
  return restRouter()
    .openapi(createPackageRoute, async (c) => {
      const { projectId, nodeId } = c.req.valid("param");
      const body = c.req.valid("json");
      const principal = c.get("principal");
      const created = await packages.createPackage(
        deps.db,
        principal,
        {
          projectId,
          nodeId,
          dataLayerId: layerOf(principal, c.req.valid("query").data_layer_id ?? body.data_layer_id),
          label: body.label,
          fields: body.fields ?? body.felds,
          files: body.files?.map((f) => ({
            name: f.name,
            contentHash: f.content_hash,
            type: f.type,
            isExecutable: f.is_executable,
          })),
        },
        { usage: c.get("usageInTransaction"), writer: services.packageWriter },
      );
      return c.json(created, 200);
    })
    .openapi(searchPackagesRoute, async (c) => {
      const { projectId, nodeId } = c.req.valid("param");
      const query = c.req.valid("query");
      const body = c.req.valid("json");
      const principal = c.get("principal");
      const page = await packages.searchPackages(
        deps.db,
        principal,
        {
          projectId,
          nodeId,
          dataLayerId: layerOf(principal, query.data_layer_id ?? body.data_layer_id),
          masterId: body.master_id ?? null,
          page: query.page,
          pageSize: query.page_size,
        },
        { reader: services.lineageReader },
      );
      return pageJson(c, page);
    })
    .openapi(getPackageRoute, async (c) => {
      const { projectId, nodeId, packageId } = c.req.valid("param");
      return c.json(
        await packages.getPackage(deps.db, c.get("principal"), { packageId, nodeId, projectId }),
        200,
      );
    })
    .openapi(packageFilesRoute, async (c) => {
      const { projectId, nodeId, packageId } = c.req.valid("param");
      const principal = c.get("principal");
      const files = await packages.listPackageFiles(deps.db, principal, { packageId, nodeId, projectId });
      const subject = subjectOf(principal);
      return c.json(
        files.map((f) => ({
          name: f.name,
          content: signUrl(services.keyring, deps.config.appUrl, "files", f.contentHash, subject),
          content_hash: f.contentHash,
          size: f.size,
          type: f.type,
          is_executable: f.isExecutable,
        })),
        200,
      );
    });
}
