import { defineConfig } from "vitest/config";
import { packageTests } from "../../vitest.shared";

export default defineConfig({ test: packageTests() });
