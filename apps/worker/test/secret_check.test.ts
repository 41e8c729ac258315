import { createTestDatabase, type TestDatabase } from "@keyflow/db/testing";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startWorker } from "../src/index";
import { type Exit, startMain } from "./mainProcess";

// SPEC §11: a key-check value stored in the database makes the worker refuse a different KEYFLOW_SECRET.

const SECRET_A = "secret-a-0123456789abcdef";
const SECRET_B = "secret-b-0123456789abcdef";
const REFUSED = "KEYFLOW_SECRET differs from the one this database was set up with; refusing to start";

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

/** The worker process with this secret, stopped once its output matches `stopWhen` (or when it exits by itself). */
async function runMain(secret: string, stopWhen: RegExp): Promise<Exit> {
  const main = startMain({
    DATABASE_URL: t.url,
    KEYFLOW_SECRET: secret,
    SMTP_URL: "smtp://127.0.0.1:9",
    LOG_LEVEL: "info",
  });
  // a refused start exits on its own; the exit code and output tell what happened
  await main.until(`output matching ${stopWhen}`, stopWhen).catch(() => {});
  return main.stop();
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

// two processes start one after the other: on a busy 2-core
// machine that alone can take 30 s
test("npm run start:worker with another secret exits non-zero with the message; with the same one it runs", {
  timeout: 90_000,
}, async () => {
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
