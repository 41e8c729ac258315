import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** `KEYFLOW_DATA_DIR`, default `<repo>/.data`: embedded database, generated secrets. */
export function dataDir(): string {
  return path.resolve(repoRoot, process.env.KEYFLOW_DATA_DIR ?? ".data");
}
