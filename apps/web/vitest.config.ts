import { defineConfig } from "vitest/config";

// Browser tests run in Node: each test file starts a real API server and drives Chromium itself.
export default defineConfig({
  test: {
    environment: "node",
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    globalSetup: ["./test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 90_000,
    env: { NODE_ENV: "test" },
  },
});
