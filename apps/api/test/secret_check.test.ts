import { spawn } from "node:child_process";
import path from "node:path";
import { createTestDatabase, type TestDatabase } from "@keyflow/db/testing";
import { afterAll, beforeAll, expect, test } from "vitest";
import { serviceArgs } from "../../../scripts/bundle";
import { startApiProcess } from "./processes";

// SPEC §11: the API refuses to start with another KEYFLOW_SECRET than the database was set up with.

const REFUSED = "KEYFLOW_SECRET differs from the one this database was set up with; refusing to start";
const apiDir = path.resolve(import.meta.dirname, "..");

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.destroy();
});

// two processes start one after the other: on a busy 2-core
// machine that alone can take 30 s
test("the API starts with the database's secret and exits non-zero with a clear message on another", {
  timeout: 90_000,
}, async () => {
  const api = await startApiProcess({ databaseUrl: t.url, secret: "secret-a-0123456789abcdef" });
  await api.stop();

  const child = spawn(process.execPath, serviceArgs("apps/api"), {
    cwd: apiDir,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: t.url,
      KEYFLOW_SECRET: "secret-b-0123456789abcdef",
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => {
    output += d;
  });
  child.stderr.on("data", (d) => {
    output += d;
  });
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  expect(code).toBe(1);
  expect(output).toContain(REFUSED);
  expect(output).not.toContain("listening");
  expect(output).not.toContain("secret-b-0123456789abcdef");

  const again = await startApiProcess({ databaseUrl: t.url, secret: "secret-a-0123456789abcdef" });
  await again.stop();
});
