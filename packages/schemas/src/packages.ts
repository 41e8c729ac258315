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
const packageFile = z.object({
  name: filePath,
  contentHash: sha256Hex,
  type: text().max(50, "must be at most 50 characters").optional(),
  isExecutable: z.boolean().optional(),
});

export const createPackageInput = z.object({
  nodeId: id,
  dataLayerId: id,
  label: packageLabel.optional(),
  fields: packageFields.optional(),
  files: z.array(packageFile).max(MAX_FILES, `must be at most ${MAX_FILES} files`).optional(),
});

export const searchPackagesInput = z.object({
  nodeId: id,
  dataLayerId: id,
  /** null or absent: every package of the node in the layer. */
  masterId: id.nullable().optional(),
  page: pageNumber.optional(),
  pageSize: pageSize.optional(),
});

/** `nodeId`, when given (REST paths carry it), must be the package's node. */
export const packageIdInput = z.object({ packageId: id, nodeId: id.optional() });

/**
 * Package fields as the RnDFlow client sends them: an object, or its own `[{name, value}]` list
 * (a missing value is null). Shared by the REST data plane and the job executor's outputs.
 */
export const rndflowFields = z.union([
  z.record(z.string(), z.unknown()),
  z
    .array(z.object({ name: z.string(), value: z.unknown().optional() }), {
      error: "must be an object or a list of {name, value}",
    })
    .transform((list) => Object.fromEntries(list.map((f) => [f.name, f.value ?? null]))),
]);
