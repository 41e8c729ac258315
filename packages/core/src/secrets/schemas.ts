import { z } from "zod";
import { id } from "../projects/schemas";

export const MAX_SECRET_NAME = 64;
export const MAX_SECRET_VALUE_BYTES = 64 * 1024;
export const MAX_PREFIX = 40;

const noNul = (s: string) => !s.includes("\0");
const NUL_MESSAGE = "must not contain NUL characters";

/** Becomes the environment variable RNDFLOW_SECRET_<NAME IN UPPER CASE> in jobs. */
export const secretName = z
  .string()
  .trim()
  .min(1, "is required")
  .max(MAX_SECRET_NAME, `must be at most ${MAX_SECRET_NAME} characters`)
  .regex(/^[A-Za-z0-9_]+$/, "may contain only Latin letters, digits and underscore");

const description = z.string().max(10_000, "must be at most 10000 characters").refine(noNul, NUL_MESSAGE);

/** Never echoed in messages: only its size and NUL characters (environment variables cannot hold them). */
export const secretValue = z
  .string()
  .refine((v) => Buffer.byteLength(v) <= MAX_SECRET_VALUE_BYTES, "must be at most 64 KiB")
  .refine(noNul, NUL_MESSAGE);

export const importPrefix = z
  .string()
  .trim()
  .min(1, "is required")
  .max(MAX_PREFIX, `must be at most ${MAX_PREFIX} characters`)
  .regex(/^[A-Za-z0-9_]+$/, "may contain only Latin letters, digits and underscore");

export const listSecretsInput = z.object({ projectId: id });
export const createSecretInput = z.object({
  projectId: id,
  name: secretName,
  description: description.optional(),
  value: secretValue,
});
export const updateSecretInput = z.object({
  secretId: id,
  name: secretName.optional(),
  description: description.optional(),
  value: secretValue.optional(),
});
export const secretIdInput = z.object({ secretId: id });
export const setNodesInput = z.object({
  secretId: id,
  nodeIds: z.array(id).max(1000, "must list at most 1000 nodes"),
});
export const importApiKeyInput = z.object({ projectId: id, keyId: id, prefix: importPrefix });
export const nodeSecretsInput = z.object({ nodeId: id });
