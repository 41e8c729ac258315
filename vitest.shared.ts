import type { ViteUserConfig } from "vitest/config";

type TestOptions = NonNullable<ViteUserConfig["test"]>;

/**
 * The test options every package shares (each package's vitest.config.ts passes its own on top).
 * `isolate: false`: a worker keeps the modules it has loaded from one test file to the next, so
 * @keyflow/core, Hono, tRPC, pg and graphile-worker are imported once per worker instead of once
 * per file (this took 250 s of a run's summed import time). Test files share no module state:
 * each makes its own database (a clone of the migrated template), servers and workers, and the
 * ones that set process.env restore it.
 */
export function packageTests(own: TestOptions = {}): TestOptions {
  return {
    isolate: false,
    globalSetup: ["./test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: { NODE_ENV: "test" },
    ...own,
  };
}
