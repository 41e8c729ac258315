import { z } from "zod";
import { filePath, id, jsonObject, pageNumber, pageSize, sha256Hex, text, utf8Length } from "./primitives";

export const MAX_LABEL_BYTES = 1024;
export const MAX_FIELDS_BYTES = 256 * 1024;
export const MAX_FILES = 100;
/** A package file uploaded through the data plane or written by a job. */
export const MAX_PACKAGE_FILE_BYTES = 50 * 1024 * 1024;

export const packageLabel = text().refine((s) => utf8Length(s) <= MAX_LABEL_BYTES, "must be at most 1 KiB");
export const packageFields = jsonObject(MAX_FIELDS_BYTES, "must be at most 256 KiB as JSON");

/** A file of a new package, by the SHA-256 of bytes already stored (uploaded) in the blob store. */
export const packageFile = z.object({
  name: filePath,
  contentHash: sha256Hex,
  type: text().max(50, "must be at most 50 characters").optional(),
  isExecutable: z.boolean().optional(),
});

/**
 * The project a REST path names the node under (`/projects/{p}/nodes/{n}`): when given, the
 * project's visibility is checked first (404 Project), then that the node is in it (404 Node).
 */
const underProject = id.optional();

export const createPackageInput = z.object({
  projectId: underProject,
  nodeId: id,
  dataLayerId: id,
  label: packageLabel.optional(),
  fields: packageFields.optional(),
  files: z.array(packageFile).max(MAX_FILES, `must be at most ${MAX_FILES} files`).optional(),
});

export const searchPackagesInput = z.object({
  projectId: underProject,
  nodeId: id,
  dataLayerId: id,
  /** null or absent: every package of the node in the layer. */
  masterId: id.nullable().optional(),
  page: pageNumber.optional(),
  pageSize: pageSize.optional(),
});

/** `nodeId`, when given (REST paths carry it), must be the package's node; `projectId` comes with it. */
export const packageIdInput = z
  .object({ packageId: id, nodeId: id.optional(), projectId: underProject })
  .refine((v) => v.projectId === undefined || v.nodeId !== undefined, {
    message: "needs nodeId",
    path: ["projectId"],
  });

/** One `{name, value}` of the RnDFlow list, checked as a whole so an error names the item ("fields.0: …"). */
const rndflowField = z
  .unknown()
  .refine(
    (f) => typeof f === "object" && f !== null && typeof (f as { name?: unknown }).name === "string",
    "must be {name, value}",
  )
  .transform((f) => f as { name: string; value?: unknown })
  .meta({ type: "object", properties: { name: { type: "string" }, value: {} }, required: ["name"] });

/**
 * Package fields as the RnDFlow client sends them: an object, or its own `[{name, value}]` list
 * (a missing value is null). Shared by the REST data plane and the job executor's outputs.
 */
export const rndflowFields = z
  // no transform inside the union: zod then reports the failing option's own issue ("0: …")
  .union([z.record(z.string(), z.unknown()), z.array(rndflowField)])
  .transform(
    (v): Record<string, unknown> =>
      Array.isArray(v) ? Object.fromEntries(v.map((f) => [f.name, f.value ?? null])) : v,
  );
