import { defineConfig } from "vitest/config";
import { packageTests } from "../../vitest.shared.ts";

// Browser tests run in Node: each test file starts a real API server and drives Chromium itself.
export default defineConfig({
  test: packageTests({
    environment: "node",
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 90_000,
  }),
});
