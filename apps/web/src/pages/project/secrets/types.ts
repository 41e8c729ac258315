import type { RouterOutputs } from "../../../lib/trpc";

export type Secret = RouterOutputs["secrets"]["list"][number];
export type MyKey = RouterOutputs["apiKeys"]["mine"][number];
export type GraphNode = RouterOutputs["graph"]["get"]["nodes"][number];

/** SPEC §4: Latin letters, digits, underscore; at most 64 characters (the server checks too). */
export const SECRET_NAME = /^[A-Za-z0-9_]+$/;
export const MAX_SECRET_NAME = 64;
/** SPEC §3.6: the prefix of imported secrets, 1–40 characters. */
export const IMPORT_PREFIX = /^[A-Za-z0-9_]{1,40}$/;

/** The environment variable a job reads the secret from. */
export const envName = (name: string) => `RNDFLOW_SECRET_${name.toUpperCase()}`;

/** What is wrong with a secret name, or null. */
export function secretNameProblem(name: string): string | null {
  if (!name) return "Name is required";
  if (name.length > MAX_SECRET_NAME) return `Name must be at most ${MAX_SECRET_NAME} characters`;
  if (!SECRET_NAME.test(name)) return "Name may contain only Latin letters, digits and underscore";
  return null;
}
