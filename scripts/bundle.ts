/**
 * Compiles a service into one JavaScript file, `apps/<app>/dist/main.js` (with its source map):
 * the workspace's own TypeScript bundled, npm dependencies left as imports. `npm start` and the
 * process-level tests run these, so a service starts without tsx's module hooks, which resolve
 * and load every module through a worker thread (the API's imports: ≈ 3 s under tsx, ≈ 1 s
 * bundled). `npm run dev` keeps `tsx watch`.
 *
 *   node --import tsx scripts/bundle.ts apps/api apps/worker apps/cli
 */
import fs from "node:fs";
import path from "node:path";
import { repoRoot } from "@keyflow/db";
import * as esbuild from "esbuild";

/** The services `scripts/bundle.ts` compiles by default, each `<dir>/src/main.ts` → `<dir>/dist/main.js`. */
export const SERVICES = ["apps/api", "apps/worker", "apps/cli"] as const;

/** The bundle of a service, e.g. `serviceBundle("apps/api")`. */
export const serviceBundle = (appDir: string) => path.join(repoRoot, appDir, "dist", "main.js");

/** The node arguments that run a service's bundle (stack traces through its source map). */
export const serviceArgs = (appDir: string) => ["--enable-source-maps", serviceBundle(appDir)];

/** Keeps every import of an npm package (and of node:*) as an import; bundles `@keyflow/*` and relative ones. */
const npmExternal: esbuild.Plugin = {
  name: "npm-external",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith("@keyflow/") ? undefined : { path: args.path, external: true },
    );
  },
};

export async function bundleService(appDir: string): Promise<string> {
  const outfile = serviceBundle(appDir);
  const result = await esbuild.build({
    entryPoints: [path.join(repoRoot, appDir, "src", "main.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: "linked",
    plugins: [npmExternal],
    write: false,
    logLevel: "warning",
  });
  // written whole and renamed: test projects may build at the same time as a test starts the file
  fs.mkdirSync(path.dirname(outfile), { recursive: true });
  for (const file of result.outputFiles) {
    const partial = `${file.path}.${process.pid}.partial`;
    fs.writeFileSync(partial, file.contents);
    fs.renameSync(partial, file.path);
  }
  return outfile;
}

if (import.meta.filename === process.argv[1]) {
  const dirs = process.argv.slice(2);
  for (const dir of dirs.length > 0 ? dirs : SERVICES)
    console.log(path.relative(repoRoot, await bundleService(dir)));
}
