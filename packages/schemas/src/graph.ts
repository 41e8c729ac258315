import { z } from "zod";
import {
  description,
  filePath,
  id,
  jsonObject,
  name,
  SURROGATE_MESSAGE,
  text,
  utf8Length,
  wellFormed,
} from "./primitives";

/** A node's code file (edited in the browser). */
export const MAX_NODE_FILE_BYTES = 1024 * 1024;
export const MAX_PARAMS_BYTES = 64 * 1024;
export const MAX_LABEL_FILTER = 256;

export const NODE_KINDS = ["data", "compute"] as const;
export const RUNTIMES = ["node", "python"] as const;

const nodeName = name(100);
const runtime = z.enum(RUNTIMES);
/** A compute node's job timeout, in seconds (one day at most). */
export const MAX_NODE_TIMEOUT_S = 86_400;
const timeoutS = z
  .number()
  .int()
  .min(1, "must be at least 1")
  .max(MAX_NODE_TIMEOUT_S, `must be at most ${MAX_NODE_TIMEOUT_S}`);
const position = z.number().finite().min(-1e6).max(1e6);
const params = jsonObject(MAX_PARAMS_BYTES, "must be at most 64 KiB as JSON");
/** Empty means "no filter". */
const labelFilter = text()
  .max(MAX_LABEL_FILTER, `must be at most ${MAX_LABEL_FILTER} characters`)
  .nullable()
  .transform((v) => (v ? v : null));

export const graphInput = z.object({
  projectId: id,
  /** Report each node's active flag in this layer (default: active). */
  dataLayerId: id.optional(),
});

export const createNodeInput = z.object({
  projectId: id,
  name: nodeName,
  kind: z.enum(NODE_KINDS),
  description: description.optional(),
  runtime: runtime.optional(),
  entry: filePath.optional(),
  timeoutS: timeoutS.optional(),
  posX: position.optional(),
  posY: position.optional(),
});

export const updateNodeInput = z.object({
  nodeId: id,
  name: nodeName.optional(),
  /**
   * Only while the node holds no packages, files or jobs. To compute: runtime and entry default
   * as in createNode; to data: runtime and entry are cleared.
   */
  kind: z.enum(NODE_KINDS).optional(),
  description: description.optional(),
  runtime: runtime.optional(),
  entry: filePath.optional(),
  timeoutS: timeoutS.optional(),
  /** Parameters are code: changing them needs `code_edit` on the node. */
  params: params.optional(),
  posX: position.nullable().optional(),
  posY: position.nullable().optional(),
});

export const nodeIdInput = z.object({ nodeId: id });

export const createLinkInput = z.object({
  projectId: id,
  fromNodeId: id,
  toNodeId: id,
  labelFilter: labelFilter.optional(),
});
export const linkIdInput = z.object({ linkId: id });

export const putFileInput = z.object({
  nodeId: id,
  path: filePath,
  /** UTF-8 text. */
  content: z
    .string()
    .max(MAX_NODE_FILE_BYTES, "must be at most 1 MiB")
    .refine((c) => utf8Length(c) <= MAX_NODE_FILE_BYTES, "must be at most 1 MiB (UTF-8 encoded)")
    // stored as bytes, so NUL is fine; a lone surrogate has no UTF-8 encoding
    .refine(wellFormed, SURROGATE_MESSAGE),
  executable: z.boolean().optional(),
});
export const deleteFileInput = z.object({ nodeId: id, path: filePath });

export const setActiveInput = z.object({ nodeId: id, dataLayerId: id, active: z.boolean() });
