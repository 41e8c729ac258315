import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { waitFor } from "@keyflow/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type JobSpec, LocalProcessExecutor, maskBytes } from "../src/executor/index";

const isRoot = process.getuid?.() === 0;
let tmp: string;
let dataDir: string;
let nextId = 1;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "keyflow-executor-test-"));
  fs.chmodSync(tmp, 0o711); // the job user traverses it to its job directory
  // stands in for KEYFLOW_DATA_DIR: listable by everyone, with a 0600 secret file, as the launcher makes it
  dataDir = path.join(tmp, "data");
  fs.mkdirSync(dataDir, { mode: 0o755 });
  fs.chmodSync(dataDir, 0o755);
  fs.writeFileSync(path.join(dataDir, "keyflow-secret"), "master-secret", { mode: 0o600 });
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const PY_DOUBLER = `
import json, os
pkg = [d for d in os.listdir("in") if d != "params.json"][0]
fields = json.load(open(f"in/{pkg}/fields.json"))
label = open(f"in/{pkg}/label").read()
params = json.load(open("in/params.json"))
os.makedirs("out/0/files", exist_ok=True)
json.dump({"n": fields["n"] * params["factor"]}, open("out/0/fields.json", "w"))
open("out/0/label", "w").write(label + "-doubled")
data = open(f"in/{pkg}/files/data.txt", "rb").read()
open("out/0/files/copy.txt", "wb").write(data * 2)
print("doubled", fields["n"])
`;

const JS_DOUBLER = `
const fs = require("node:fs");
const pkg = fs.readdirSync("in").find((d) => d !== "params.json");
const fields = JSON.parse(fs.readFileSync(\`in/\${pkg}/fields.json\`, "utf8"));
fs.mkdirSync("out/0/files", { recursive: true });
fs.mkdirSync("out/1", { recursive: true });
fs.writeFileSync("out/0/fields.json", JSON.stringify([{ name: "n", value: fields.n * 2 }]));
fs.writeFileSync("out/0/label", "js\\n");
fs.writeFileSync("out/1/fields.json", JSON.stringify({ second: true }));
console.log("doubled", fields.n);
`;

function spec(over: Partial<JobSpec> & { script: string; runtime?: "node" | "python" }): JobSpec {
  const runtime = over.runtime ?? "python";
  const entry = runtime === "python" ? "main.py" : "main.js";
  const { script, ...rest } = over;
  return {
    jobId: nextId++,
    runtime,
    entry,
    files: [{ path: entry, content: Buffer.from(script), executable: false }],
    params: { factor: 2 },
    input: {
      packageId: 77,
      label: "in",
      fields: { n: 21 },
      files: [{ name: "data.txt", bytes: Buffer.from("ab") }],
    },
    env: { RNDFLOW_API_SERVER: "http://localhost:3000", RNDFLOW_REFRESH_TOKEN: "" },
    timeoutMs: 20_000,
    maskValues: [],
    ...rest,
  };
}

/**
 * Host processes running exactly `argv` (a zombie's command line is empty): found by a unique
 * command line, since the pid a sandboxed job sees is that of its own PID namespace.
 */
function running(argv: string[]): string[] {
  const cmdline = `${argv.join("\0")}\0`;
  return fs.readdirSync("/proc").filter((pid) => {
    try {
      return /^\d+$/.test(pid) && fs.readFileSync(`/proc/${pid}/cmdline`, "utf8") === cmdline;
    } catch {
      return false; // exited meanwhile
    }
  });
}

/** A `sleep` no other process runs: `sleep 1000.<unique digits>`. */
const uniqueSleep = () => ["sleep", `1000.${process.pid}${nextId}${Date.now() % 100_000}`];

describe.each([
  { mode: "sandboxed", sandbox: true },
  { mode: "unsandboxed (KEYFLOW_SANDBOX=off)", sandbox: false },
])("LocalProcessExecutor, $mode", ({ sandbox }) => {
  let executor: LocalProcessExecutor;
  let jobsDir: string;
  beforeAll(() => {
    jobsDir = path.join(tmp, sandbox ? "jobs" : "jobs-unsandboxed");
    executor = new LocalProcessExecutor({
      sandbox,
      baseDir: jobsDir,
      protectedDirs: [dataDir],
      killGraceMs: 500,
    });
  });
  afterAll(() => executor.close());

  test("python: reads in/, writes out/0 with fields, label and files; the log holds stdout", async () => {
    const r = await executor.run(spec({ script: PY_DOUBLER }));
    expect(r).toMatchObject({ exitCode: 0, timedOut: false, logTruncated: false });
    expect(r.error).toBeUndefined();
    expect(r.log).toBe("doubled 21\n");
    expect(r.outputs).toHaveLength(1);
    expect(r.outputs[0]).toMatchObject({ label: "in-doubled", fields: { n: 42 } });
    expect(r.outputs[0]?.files.map((f) => [f.name, f.bytes.toString()])).toEqual([["copy.txt", "abab"]]);
  });

  test("node: outputs in order, fields as an RnDFlow list, a label's trailing newline dropped", async () => {
    const r = await executor.run(spec({ script: JS_DOUBLER, runtime: "node" }));
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toEqual([
      { label: "js", fields: { n: 42 }, files: [] },
      { label: "", fields: { second: true }, files: [] },
    ]);
  });

  test("fields.json is read like REST's fields: a list item without a value is null, other JSON refused", async () => {
    const write = (json: string) =>
      `import os\nos.makedirs("out/0")\nopen("out/0/fields.json", "w").write(${JSON.stringify(json)})\n`;
    const listed = await executor.run(
      spec({ script: write('[{"name": "n", "value": 1}, {"name": "empty"}]') }),
    );
    expect(listed.outputs).toEqual([{ label: "", fields: { n: 1, empty: null }, files: [] }]);
    const text = await executor.run(spec({ script: write('"just text"') }));
    expect(text.outputs).toEqual([]);
    expect(text.error).toBe(
      "could not read the outputs: out/0/fields.json must hold a JSON object or a list of {name, value} objects",
    );
  });

  test("a timeout kills the whole process group, children included", async () => {
    const sleep = uniqueSleep();
    const script = `
import subprocess, sys, time
child = subprocess.Popen(${JSON.stringify(sleep)})
print("child", child.pid, flush=True)
time.sleep(1000)
`;
    const started = Date.now();
    const job = executor.run(spec({ script, timeoutMs: 1500 }));
    await waitFor("the job's child to run", () => running(sleep).length === 1);
    const r = await job;
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBeNull();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(r.log).toMatch(/^child \d+\n/);
    expect(running(sleep)).toEqual([]);
    expect(r.log).toMatch(/\[keyflow\] timed out after 1\.5 s/);
  });

  test("background children are killed when the main process exits", async () => {
    const [command, ...args] = uniqueSleep();
    const script = `
const { spawn } = require("node:child_process");
const c = spawn(${JSON.stringify(command)}, ${JSON.stringify(args)}, { stdio: "ignore" });
c.unref();
console.log("child", c.pid);
`;
    const r = await executor.run(spec({ script, runtime: "node" }));
    expect(r.exitCode).toBe(0);
    expect(r.log).toMatch(/^child \d+\n$/);
    expect(running([command!, ...args])).toEqual([]);
  });

  test("secret values are masked, also when written in pieces and on stderr", async () => {
    const secret = "s3cr3t-VALUE-42";
    const script = `
import sys, os
v = os.environ["RNDFLOW_SECRET_TOKEN"]
print("token is", v, flush=True)
sys.stdout.write(v[:5]); sys.stdout.flush(); sys.stdout.write(v[5:] + "\\n"); sys.stdout.flush()
print("err:", v, file=sys.stderr, flush=True)
`;
    const r = await executor.run(
      spec({ script, env: { RNDFLOW_SECRET_TOKEN: secret }, maskValues: [secret, ""] }),
    );
    expect(r.exitCode).toBe(0);
    expect(r.log).not.toContain("s3cr3t");
    expect(r.log).toBe("token is ***\n***\nerr: ***\n");
  });

  test("the environment is scrubbed: only PATH, HOME, TZ, LANG and RNDFLOW_*", async () => {
    process.env.DATABASE_URL ??= "postgres://should-not-leak";
    process.env.KEYFLOW_SECRET ??= "should-not-leak-either";
    const script = `
import json, os
print(json.dumps(sorted(os.environ.keys())))
print(os.environ["HOME"] == os.getcwd())
`;
    const r = await executor.run(
      spec({
        script,
        env: {
          RNDFLOW_API_SERVER: "http://x",
          RNDFLOW_SECRET_A: "1",
          DATABASE_URL: "injected",
          SMTP_URL: "x",
        },
      }),
    );
    const [keys, homeIsCwd] = r.log.trim().split("\n");
    expect(JSON.parse(keys ?? "")).toEqual([
      "HOME",
      "LANG",
      "PATH",
      "RNDFLOW_API_SERVER",
      "RNDFLOW_SECRET_A",
      "TZ",
    ]);
    expect(homeIsCwd).toBe("True");
  });

  test.runIf(isRoot)("as root: jobs run as keyflow-job, cannot read the data directory", async () => {
    const script = `
import os
print("uid", os.getuid())
for what, f in [("list", lambda: os.listdir(${JSON.stringify(dataDir)})),
                ("read", lambda: open(${JSON.stringify(path.join(dataDir, "keyflow-secret"))}).read())]:
    try:
        f(); print(what, "ok")
    except (PermissionError, FileNotFoundError):  # unsandboxed: not readable; sandboxed: absent
        print(what, "denied")
`;
    const r = await executor.run(spec({ script }));
    expect(r.exitCode).toBe(0);
    expect(r.log).not.toMatch(/uid 0\n/);
    expect(r.log).toContain("list denied");
    expect(r.log).toContain("read denied");
    expect(fs.statSync(dataDir).mode & 0o007).toBe(0o001); // still traversable (postgres)
  });

  test("resource limits: a file larger than the limit cannot be written", async () => {
    const small = new LocalProcessExecutor({
      sandbox,
      baseDir: path.join(jobsDir, "..", `${path.basename(jobsDir)}-small`),
      limits: { fileSizeBytes: 1024 * 1024 },
    });
    const script = `
import os
os.makedirs("out/0/files", exist_ok=True)
try:
    with open("out/0/files/big", "wb") as f: f.write(b"x" * (2 * 1024 * 1024))
    print("wrote")
except OSError as e:
    print("refused", e.errno)
`;
    const r = await small.run(spec({ script }));
    expect(r.log).toMatch(/refused 27|killed by SIGXFSZ/);
  });

  test("the log is capped at 1 MiB and flagged", async () => {
    const script = `
import sys
sys.stdout.write("x" * (2 * 1024 * 1024)); sys.stdout.flush()
`;
    const r = await executor.run(spec({ script }));
    expect(r.exitCode).toBe(0);
    expect(r.logTruncated).toBe(true);
    expect(Buffer.byteLength(r.log)).toBe(1024 * 1024);
  });

  test("symlinks in outputs are refused, never followed", async () => {
    const script = `
import os
os.makedirs("out/0/files", exist_ok=True)
os.symlink("/etc/passwd", "out/0/files/passwd")
`;
    const r = await executor.run(spec({ script }));
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toEqual([]);
    expect(r.error).toMatch(/not a regular file/);
  });

  test("a failing script reports its exit code; a missing runtime entry too", async () => {
    const r = await executor.run(spec({ script: "import sys\nprint('bye')\nsys.exit(3)\n" }));
    expect(r).toMatchObject({ exitCode: 3, timedOut: false });
    const missing = await executor.run({ ...spec({ script: "" }), files: [] });
    expect(missing.exitCode).not.toBe(0);
    expect(missing.log).toMatch(/main\.py/);
  });

  test("an abort (worker shutdown) stops the job", async () => {
    const controller = new AbortController();
    const running = executor.run(
      spec({ script: "import time\nprint('up', flush=True)\ntime.sleep(1000)\n" }),
      {
        signal: controller.signal,
      },
    );
    setTimeout(() => controller.abort(), 300);
    const r = await running;
    expect(r.timedOut).toBe(false);
    expect(r.error).toMatch(/shutting down/);
  });

  test("job directories are removed afterwards and live outside the data directory", async () => {
    await executor.run(spec({ script: "print(1)" }));
    expect(fs.readdirSync(jobsDir)).toEqual([]);
    const inside = new LocalProcessExecutor({
      sandbox,
      baseDir: path.join(dataDir, "jobs"),
      protectedDirs: [dataDir],
    });
    await expect(inside.run(spec({ script: "print(1)" }))).rejects.toThrow(
      /must not be inside the data directory/,
    );
  });
});

describe("maskBytes", () => {
  test("masks every occurrence, overlapping ones once, and never leaves a piece at the cut", () => {
    const b = Buffer.from("a SECRET b SECRETSECRET c");
    expect(maskBytes(b, ["SECRET"]).toString()).toBe("a *** b ****** c");
    expect(maskBytes(Buffer.from("xxabcabcx"), ["abcab", "cabc"]).toString()).toBe("xx***x");
    // the cut falls inside a secret: the whole occurrence becomes *** and nothing of it remains
    expect(maskBytes(Buffer.from("0123SECRET tail"), ["SECRET"], 6).toString()).toBe("0123***");
    expect(maskBytes(Buffer.from("0123456789"), [], 4).toString()).toBe("0123");
  });
});

test("secret values shorter than 4 characters are not masked: they would garble every number in the log", async () => {
  const { LogCollector } = await import("../src/executor/log");
  const log = new LogCollector(1000, ["42", "s3cr3t-value"]);
  log.push(Buffer.from("node 42 got s3cr3t-value\n"));
  expect(log.finish().log).toBe("node 42 got ***\n");
});
