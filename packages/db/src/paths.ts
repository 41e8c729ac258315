import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The checkout: the nearest directory above this module that holds `turbo.json`. Searched, not
 * counted, because this module also runs bundled into `apps/<app>/dist/main.js`.
 */
function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "turbo.json"))) return dir;
    if (path.dirname(dir) === dir)
      throw new Error(`no turbo.json above ${from}: is this a Keyflow checkout?`);
  }
}

export const repoRoot = findRepoRoot(path.dirname(fileURLToPath(import.meta.url)));

/** `KEYFLOW_DATA_DIR`, default `<repo>/.data`: embedded database, generated secrets. */
export function dataDir(): string {
  return path.resolve(repoRoot, process.env.KEYFLOW_DATA_DIR ?? ".data");
}
