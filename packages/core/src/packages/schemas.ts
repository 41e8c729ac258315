import { z } from "zod";
import { filePath, jsonObject, text } from "../graph/schemas";
import { id } from "../projects/schemas";

export const MAX_LABEL_BYTES = 1024;
export const MAX_FIELDS_BYTES = 256 * 1024;
export const MAX_FILES = 100;
export const MAX_PAGE_SIZE = 100;

const label = text().refine((s) => Buffer.byteLength(s) <= MAX_LABEL_BYTES, "must be at most 1 KiB");

/** A file of a new package, by the SHA-256 of bytes already stored (uploaded) in the blob store. */
const packageFile = z.object({
  name: filePath,
  contentHash: z.string().regex(/^[0-9a-f]{64}$/, "must be a lowercase SHA-256 hex digest"),
  type: text().max(50, "must be at most 50 characters").optional(),
  isExecutable: z.boolean().optional(),
});

export const createPackageInput = z.object({
  nodeId: id,
  dataLayerId: id,
  label: label.optional(),
  fields: jsonObject(MAX_FIELDS_BYTES, "must be at most 256 KiB as JSON").optional(),
  files: z.array(packageFile).max(MAX_FILES, `must be at most ${MAX_FILES} files`).optional(),
});

export const searchPackagesInput = z.object({
  nodeId: id,
  dataLayerId: id,
  /** null or absent: every package of the node in the layer. */
  masterId: id.nullable().optional(),
  page: z.number().int().min(1, "must be at least 1").max(1_000_000).optional(),
  pageSize: z
    .number()
    .int()
    .min(1, `must be between 1 and ${MAX_PAGE_SIZE}`)
    .max(MAX_PAGE_SIZE, `must be between 1 and ${MAX_PAGE_SIZE}`)
    .optional(),
});

/** `nodeId`, when given (REST paths carry it), must be the package's node. */
export const packageIdInput = z.object({ packageId: id, nodeId: id.optional() });
