import { spawn } from "node:child_process";
import path from "node:path";
import { createTestDatabase, type TestDatabase } from "@keyflow/db/testing";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startWorker } from "../src/index";

// SPEC §11: a key-check value stored in the database makes the worker refuse a different KEYFLOW_SECRET.

const SECRET_A = "secret-a-0123456789abcdef";
const SECRET_B = "secret-b-0123456789abcdef";
const REFUSED = "KEYFLOW_SECRET differs from the one this database was set up with; refusing to start";
const workerDir = path.resolve(import.meta.dirname, "..");

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.destroy();
});

const start = (secret: string) =>
  // nothing is mailed here: the transport never connects
  startWorker({
    databaseUrl: t.url,
    smtpUrl: "smtp://127.0.0.1:9",
    appUrl: "http://localhost:3000",
    secret,
    crontab: "",
  });

async function checkValue() {
  const row = await t.db
    .selectFrom("settings")
    .select("value")
    .where("key", "=", "master_secret_check")
    .executeTakeFirst();
  return row?.value;
}

/** `src/main.ts` as its own process, like `npm run start:worker`; resolves with its exit code and output. */
function runMain(secret: string, stopWhen: RegExp) {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: workerDir,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: t.url,
      KEYFLOW_SECRET: secret,
      SMTP_URL: "smtp://127.0.0.1:9",
      LOG_LEVEL: "info",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const onData = (d: Buffer) => {
    output += d;
    if (stopWhen.test(output) && child.exitCode === null) child.kill("SIGTERM");
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  return new Promise<{ code: number | null; output: string }>((resolve) =>
    child.on("exit", (code) => resolve({ code, output })),
  );
}

test("the first start records the secret's check value; another secret is refused, the same one starts", async () => {
  const first = await start(SECRET_A);
  await first.stop();
  const recorded = await checkValue();
  expect(recorded).toMatch(/^[\w-]{43}$/);
  expect(recorded).not.toContain(SECRET_A);

  await expect(start(SECRET_B)).rejects.toThrow(REFUSED);
  expect(await checkValue()).toBe(recorded); // the refused start changed nothing

  const again = await start(SECRET_A);
  await again.stop();
});

test("npm run start:worker with another secret exits non-zero with the message; with the same one it runs", async () => {
  await start(SECRET_A).then((w) => w.stop()); // the database is set up with A

  const refused = await runMain(SECRET_B, /Keyflow worker running/);
  expect(refused.code).toBe(1);
  expect(refused.output).toContain(REFUSED);
  expect(refused.output).not.toContain(SECRET_B);
  expect(refused.output).not.toContain(SECRET_A);

  const ok = await runMain(SECRET_A, /Keyflow worker running/);
  expect(ok.output).toContain("Keyflow worker running");
  expect(ok.output).not.toContain(REFUSED);
  expect(ok.code).toBe(0); // stopped by SIGTERM, cleanly
});
