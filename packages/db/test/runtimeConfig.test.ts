import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, expect, test } from "vitest";
import { embeddedInfoFile, resolveAppUrl, resolveDatabaseUrl, resolveSecret } from "../src/index";

const saved = process.env.KEYFLOW_DATA_DIR;
afterEach(() => {
  if (saved === undefined) delete process.env.KEYFLOW_DATA_DIR;
  else process.env.KEYFLOW_DATA_DIR = saved;
});
const tempDataDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyflow-runtime-"));
  process.env.KEYFLOW_DATA_DIR = dir;
  return dir;
};

test("DATABASE_URL wins; otherwise the launcher's postgres.json; otherwise a clear error", () => {
  const dir = tempDataDir();
  expect(resolveDatabaseUrl({ DATABASE_URL: "postgres://x/y" })).toBe("postgres://x/y");
  expect(() => resolveDatabaseUrl({})).toThrow(/DATABASE_URL is not set/);
  fs.writeFileSync(
    embeddedInfoFile(),
    JSON.stringify({ url: "postgres://embedded/keyflow", launcherPid: 1 }),
  );
  expect(embeddedInfoFile()).toBe(path.join(dir, "postgres.json"));
  expect(resolveDatabaseUrl({})).toBe("postgres://embedded/keyflow");
});

test("KEYFLOW_SECRET wins; required with DATABASE_URL; else generated once (0600) and kept", () => {
  const dir = tempDataDir();
  expect(resolveSecret({ KEYFLOW_SECRET: "given-secret-0123456789" })).toBe("given-secret-0123456789");
  expect(() => resolveSecret({ DATABASE_URL: "postgres://x/y" })).toThrow(/KEYFLOW_SECRET is required/);
  const generated = resolveSecret({});
  expect(generated).toMatch(/^[\w-]{43}$/);
  expect(resolveSecret({})).toBe(generated);
  const file = path.join(dir, "keyflow-secret");
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  expect(fs.readdirSync(dir)).toEqual(["keyflow-secret"]); // no temporary files left behind
});

test("processes generating the secret at the same time all end up with the same one", async () => {
  const dir = tempDataDir();
  const script = `import { resolveSecret } from ${JSON.stringify(path.resolve(import.meta.dirname, "../src/runtimeConfig.ts"))};
    process.stdout.write(resolveSecret({}));`;
  const run = () =>
    new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
        env: { PATH: process.env.PATH, KEYFLOW_DATA_DIR: dir },
        stdio: ["ignore", "pipe", "inherit"],
      });
      let out = "";
      child.stdout.on("data", (d) => {
        out += d;
      });
      child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}`))));
    });
  const secrets = await Promise.all([run(), run(), run(), run()]);
  expect(new Set(secrets).size).toBe(1);
  expect(secrets[0]).toBe(fs.readFileSync(path.join(dir, "keyflow-secret"), "utf8"));
});

test("APP_URL without its trailing slash, default http://localhost:$PORT", () => {
  expect(resolveAppUrl({})).toBe("http://localhost:3000");
  expect(resolveAppUrl({ PORT: "4100" })).toBe("http://localhost:4100");
  expect(resolveAppUrl({ APP_URL: "https://keys.example.com/" })).toBe("https://keys.example.com");
});
