import { z } from "zod";
import { id } from "../projects/schemas";

export const MAX_FILE_BYTES = 1024 * 1024;
export const MAX_PARAMS_BYTES = 64 * 1024;
export const MAX_LABEL_FILTER = 256;

/** A relative path inside a node or package: no leading "/", no "." or ".." segments, no "\". */
export const filePath = z
  .string()
  .min(1, "is required")
  .max(255, "must be at most 255 characters")
  .refine((p) => !p.startsWith("/"), "must be relative (no leading /)")
  .refine((p) => !/[\\\0]/.test(p), "must not contain \\ or NUL characters")
  .refine(
    (p) => p.split("/").every((s) => s !== "" && s !== "." && s !== ".."),
    "must not contain empty, . or .. segments",
  );

const noNul = (s: string) => !s.includes("\0");
const NUL_MESSAGE = "must not contain NUL characters";
const nodeName = z
  .string()
  .trim()
  .min(1, "is required")
  .max(100, "must be at most 100 characters")
  .refine(noNul, NUL_MESSAGE);
const description = z.string().max(10_000, "must be at most 10000 characters").refine(noNul, NUL_MESSAGE);
const runtime = z.enum(["node", "python"]);
const timeoutS = z.number().int().min(1, "must be at least 1").max(86_400, "must be at most 86400");
const position = z.number().finite().min(-1e6).max(1e6);
/** A text value PostgreSQL can store (text columns refuse NUL). */
export const text = () => z.string().refine(noNul, NUL_MESSAGE);

// an escaped NUL (\u0000) not itself preceded by an escaped backslash: jsonb refuses it
const JSON_NUL = /(^|[^\\])(\\\\)*\\u0000/;

/** A JSON object of at most `maxBytes` as JSON text, storable as jsonb. */
export const jsonObject = (maxBytes: number, sizeMessage: string) =>
  z.record(z.string(), z.unknown()).superRefine((v, ctx) => {
    const json = JSON.stringify(v);
    if (Buffer.byteLength(json) > maxBytes) ctx.addIssue({ code: "custom", message: sizeMessage });
    else if (JSON_NUL.test(json)) ctx.addIssue({ code: "custom", message: NUL_MESSAGE });
  });
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
  kind: z.enum(["data", "compute"]),
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
    .max(MAX_FILE_BYTES, "must be at most 1 MiB")
    .refine((c) => Buffer.byteLength(c) <= MAX_FILE_BYTES, "must be at most 1 MiB (UTF-8 encoded)"),
  executable: z.boolean().optional(),
});
export const deleteFileInput = z.object({ nodeId: id, path: filePath });

export const setActiveInput = z.object({ nodeId: id, dataLayerId: id, active: z.boolean() });
