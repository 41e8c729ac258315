import { defineConfig } from "vitest/config";

// `npm test` runs every package's tests in one vitest process: one PostgreSQL for the whole run
// (see packages/db/src/testing.ts), test files of all packages sharing the worker pool.
export default defineConfig({
  test: {
    projects: ["packages/*/vitest.config.ts", "apps/*/vitest.config.ts"],
  },
});
