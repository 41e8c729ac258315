import { defineConfig } from "vitest/config";

// `npm test` runs every package's tests in one vitest process: one PostgreSQL for the whole run
// (see packages/db/src/testing.ts), test files of all packages sharing the worker pool.
export default defineConfig({
  test: {
    // most test time is waiting (PostgreSQL, child processes, Chromium), so on 2 cores three files
    // at a time finish sooner than the default of one per core; four starved the process-level
    // tests (launcher, secret check) past their deadlines
    maxWorkers: 3,
    projects: ["packages/*/vitest.config.ts", "apps/*/vitest.config.ts"],
  },
});
