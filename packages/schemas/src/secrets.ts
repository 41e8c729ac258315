import { z } from "zod";
import { description, IDENTIFIER, IDENTIFIER_MESSAGE, id, identifier, text, utf8Length } from "./primitives";

export const MAX_SECRET_NAME = 64;
export const MAX_SECRET_VALUE_BYTES = 64 * 1024;
/** The prefix of secrets imported from an API key (SPEC §3.6). */
export const MAX_IMPORT_PREFIX = 40;

/** The environment variable a job reads a secret from (the RnDFlow job library's convention). */
export const secretEnvName = (name: string) => `RNDFLOW_SECRET_${name.toUpperCase()}`;

export const secretName = identifier(MAX_SECRET_NAME);
export const importPrefix = identifier(MAX_IMPORT_PREFIX);

/** What is wrong with a secret name (for a form's live hint), or null; the server checks too. */
export function secretNameProblem(name: string): string | null {
  if (!name) return "Name is required";
  if (name.length > MAX_SECRET_NAME) return `Name must be at most ${MAX_SECRET_NAME} characters`;
  if (!IDENTIFIER.test(name)) return `Name ${IDENTIFIER_MESSAGE}`;
  return null;
}

/** What is wrong with an import prefix, or null. */
export function importPrefixProblem(prefix: string): string | null {
  if (!prefix) return "Prefix is required";
  if (prefix.length > MAX_IMPORT_PREFIX) return `Prefix must be at most ${MAX_IMPORT_PREFIX} characters`;
  if (!IDENTIFIER.test(prefix)) return `Prefix ${IDENTIFIER_MESSAGE}`;
  return null;
}

/** Never echoed in messages: only its size and what it must not contain (environment variables cannot hold NUL). */
export const secretValue = text().refine(
  (v) => utf8Length(v) <= MAX_SECRET_VALUE_BYTES,
  "must be at most 64 KiB",
);

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
/** Grants one node every secret of one import of an API key (`<prefix>_token` and the key's fields). */
export const grantKeyToNodeInput = z.object({ projectId: id, keyId: id, prefix: importPrefix, nodeId: id });
