import { defineConfig } from "vitest/config";
import { packageTests } from "../../vitest.shared.ts";

// pure functions: no database
export default defineConfig({ test: packageTests({ globalSetup: [] }) });
