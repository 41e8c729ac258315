import { defineConfig } from "vitest/config";
import { packageTests } from "../../vitest.shared.ts";

export default defineConfig({ test: packageTests({ testTimeout: 20_000 }) });
