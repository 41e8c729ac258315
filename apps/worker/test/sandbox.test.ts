import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { repoRoot } from "@keyflow/db";
import { createTestDatabase, type TestDatabase } from "@keyflow/db/testing";
import { waitFor } from "@keyflow/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { sandboxSetting } from "../src/config";
import {
  JOB_USER,
  type JobResult,
  type JobSpec,
  LocalProcessExecutor,
  SandboxUnavailableError,
  workerExecutor,
} from "../src/executor/index";

// Node jobs in the bubblewrap sandbox (issue 11), with real bwrap and real processes: what a
// hostile job tries, and what it gets.

const isRoot = process.getuid?.() === 0;
let t: TestDatabase;
let tmp: string;
let dataDir: string;
let executor: LocalProcessExecutor;
let nextId = 1;

beforeAll(async () => {
  t = await createTestDatabase();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "keyflow-sandbox-test-"));
  fs.chmodSync(tmp, 0o711);
  // a data directory as `npm start` leaves it, but readable by everyone: here the sandbox alone
  // keeps it from jobs (it is not a protected directory of this executor)
  dataDir = path.join(tmp, "data");
  fs.mkdirSync(dataDir, { mode: 0o755 });
  fs.writeFileSync(path.join(dataDir, "postgres.json"), JSON.stringify({ url: t.url }), { mode: 0o644 });
  executor = new LocalProcessExecutor({ baseDir: path.join(tmp, "jobs"), killGraceMs: 500 });
  await executor.init();
});
afterAll(async () => {
  await executor?.close();
  await t?.destroy();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function spec(script: string, over: Partial<JobSpec> = {}): JobSpec {
  const runtime = over.runtime ?? "python";
  const entry = runtime === "python" ? "main.py" : "main.js";
  return {
    jobId: nextId++,
    runtime,
    entry,
    files: [{ path: entry, content: Buffer.from(script), executable: false }],
    params: {},
    input: { packageId: 1, label: "in", fields: {}, files: [] },
    env: { RNDFLOW_API_SERVER: "http://localhost:3000", RNDFLOW_REFRESH_TOKEN: "" },
    timeoutMs: 30_000,
    maskValues: [],
    ...over,
  };
}

/** The JSON object a job printed on its last line. */
function printed(r: JobResult): Record<string, unknown> {
  expect(r.exitCode, r.log).toBe(0);
  return JSON.parse(r.log.trim().split("\n").at(-1) ?? "");
}

/** Host pids whose file under /proc/<pid>/ holds `text` (the test runs as root: it reads them all). */
function hostProcessesWith(file: "environ" | "cmdline", text: string): string[] {
  return fs.readdirSync("/proc").filter((pid) => {
    try {
      return /^\d+$/.test(pid) && fs.readFileSync(`/proc/${pid}/${file}`, "utf8").includes(text);
    } catch {
      return false; // gone meanwhile, or not ours to read
    }
  });
}

describe("a sandboxed job", () => {
  test("cannot read the environment of another job running at the same time", async () => {
    const secret = `job-a-secret-${process.pid}-${Date.now()}`;
    const stopA = new AbortController();
    const a = executor.run(spec("import time\ntime.sleep(60)\n", { env: { RNDFLOW_SECRET_TOKEN: secret } }), {
      signal: stopA.signal,
    });
    // A runs and holds the secret in its environment, as the host sees it
    await waitFor("job A to run with its secret", () => hostProcessesWith("environ", secret).length > 0);

    const b = await executor.run(
      spec(`
import json, os
readable, found = [], []
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        env = open(f"/proc/{pid}/environ", "rb").read()
    except OSError:
        continue
    readable.append(pid)
    if ${JSON.stringify(secret)}.encode() in env:
        found.append(pid)
print(json.dumps({"readable": readable, "found": found}))
`),
    );
    stopA.abort();
    const seen = printed(b);
    expect(seen.found).toEqual([]);
    expect((seen.readable as string[]).length).toBeGreaterThan(0); // its own environ it can read
    expect((await a).error).toMatch(/shutting down/);
  });

  test("sees only its own processes: not the worker's, not other jobs'", async () => {
    const r = await executor.run(
      spec(`
import json, os
procs = {}
for pid in filter(str.isdigit, os.listdir("/proc")):
    procs[pid] = open(f"/proc/{pid}/comm").read().strip()
try:
    os.kill(${process.pid}, 0)
    worker = "signalled"
except ProcessLookupError:
    worker = "no such process"
except PermissionError:
    worker = "exists"
print(json.dumps({"procs": sorted(procs.values()), "worker": worker}))
`),
    );
    const seen = printed(r);
    // bubblewrap's init (pid 1) and the job itself; the host shows hundreds
    expect(seen.procs).toEqual(["bwrap", "python3"]);
    expect(seen.worker).toBe("no such process");
    expect(fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p)).length).toBeGreaterThan(2);
  });

  test("writes only in its own directory; /tmp is private and empty at start", async () => {
    const marker = `left-behind-${process.pid}-${Date.now()}`;
    const targets = [
      "/usr/keyflow-probe",
      "/etc/keyflow-probe",
      "/keyflow-probe",
      "/jobs/keyflow-probe",
      "/dev/keyflow-probe",
      path.join(repoRoot, "keyflow-probe"),
      path.join(os.homedir(), "keyflow-probe"),
      path.join(tmp, "keyflow-probe"),
      path.join(dataDir, "keyflow-probe"),
    ];
    const script = `
import json, os
result = {"tmp": os.listdir("/tmp"), "shm": os.listdir("/dev/shm"), "outside": {}}
for p in ${JSON.stringify(targets)}:
    try:
        open(p, "w").write("x")
        result["outside"][p] = "written"
    except OSError as e:
        result["outside"][p] = e.__class__.__name__
open("/tmp/${marker}", "w").write("scratch")
os.makedirs("out/0")
open("out/0/label", "w").write("written inside")
print(json.dumps(result))
`;
    const first = await executor.run(spec(script));
    const seen = printed(first);
    expect(seen.tmp).toEqual([]);
    expect(seen.shm).toEqual([]);
    for (const target of targets) {
      expect((seen.outside as Record<string, string>)[target], target).not.toBe("written");
      expect(fs.existsSync(target), target).toBe(false);
    }
    expect(first.outputs.map((o) => o.label)).toEqual(["written inside"]);
    // what it left in /tmp went with it: not on the host, not in the next job's /tmp
    expect(fs.existsSync(path.join(os.tmpdir(), marker))).toBe(false);
    const second = await executor.run(spec(script));
    expect(printed(second).tmp).toEqual([]);
  });

  test("cannot see the data directory, the checkout, the worker's home or other job directories", async () => {
    const hidden = [
      dataDir,
      path.join(dataDir, "postgres.json"),
      repoRoot,
      path.join(repoRoot, "package.json"),
      os.homedir(),
      path.join(tmp, "jobs"),
      "/run",
      "/var",
    ];
    const r = await executor.run(
      spec(`
import json, os
print(json.dumps({"visible": [p for p in ${JSON.stringify(hidden)} if os.path.exists(p)],
                  "jobs": os.listdir("/jobs"), "cwd": os.getcwd(), "home": os.environ["HOME"]}))
`),
    );
    const seen = printed(r);
    expect(seen.visible).toEqual([]);
    expect(seen.jobs).toHaveLength(1);
    expect(seen.cwd).toBe(`/jobs/${(seen.jobs as string[])[0]}`);
    expect(seen.home).toBe(seen.cwd);
    // while the host's data directory is readable to everyone
    expect(fs.readFileSync(path.join(dataDir, "postgres.json"), "utf8")).toContain(t.url);
  });

  test("a child that leaves the process group (setsid) still ends with the job", async () => {
    const nap = `1000.${process.pid}${Date.now() % 100_000}`;
    const r = await executor.run(
      spec(`
import subprocess
subprocess.Popen(["sleep", "${nap}"], start_new_session=True)
print("started")
`),
    );
    expect(r.exitCode).toBe(0);
    expect(r.log).toBe("started\n");
    expect(hostProcessesWith("cmdline", `sleep\0${nap}`)).toEqual([]);
  });
});

// Tries PostgreSQL's own protocol (trust, password, md5 and SCRAM-SHA-256, as the server asks)
// with every credential the job can find: environment values, and the contents (whole, by line,
// JSON strings, URL passwords) of every readable file whose path looks like it holds one.
const PG_PROBE = `
import base64, glob, hashlib, hmac, json, os, re, socket, struct, urllib.parse

params = json.load(open("in/params.json"))
HOST, PORT, USER = params["host"], params["port"], "postgres"

def collect():
    found = {"": "empty", "postgres": "guess"}
    for k, v in os.environ.items():
        found.setdefault(v, "env " + k)
    looks = re.compile(r"pass|secret|postgres|pg|cred|token|key|env|\\.json$|\\.conf$", re.I)
    for root, dirs, names in os.walk("/"):
        dirs[:] = [d for d in dirs if os.path.join(root, d) not in ("/proc", "/sys", "/usr")]
        for name in names:
            p = os.path.join(root, name)
            if not looks.search(p):
                continue
            try:
                text = open(p, encoding="utf-8").read(65536)
            except (OSError, UnicodeDecodeError):
                continue
            values = [text.strip()] + [line.strip() for line in text.splitlines()]
            values += [urllib.parse.unquote(m) for m in re.findall(r"postgres(?:ql)?://[^:@/\\s]*:([^@\\s]*)@", text)]
            try:
                values += [v for v in json.loads(text).values() if isinstance(v, str)]
            except (ValueError, AttributeError):
                pass
            for v in values:
                if v and not v.startswith("#"):
                    found.setdefault(v, "file " + p)
    return found

def send(s, kind, body):
    s.sendall(kind + struct.pack("!i", len(body) + 4) + body)

def recv(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data

def attempt(password):
    s = socket.create_connection((HOST, PORT), timeout=10)
    try:
        startup = b"user\\0" + USER.encode() + b"\\0database\\0postgres\\0\\0"
        s.sendall(struct.pack("!ii", len(startup) + 8, 196608) + startup)
        while True:
            kind = recv(s, 1)
            body = recv(s, struct.unpack("!i", recv(s, 4))[0] - 4)
            if kind == b"E":
                return False
            if kind != b"R":
                continue
            code = struct.unpack("!i", body[:4])[0]
            if code == 0:
                return True
            if code == 3:
                send(s, b"p", password.encode() + b"\\0")
            elif code == 5:
                inner = hashlib.md5((password + USER).encode()).hexdigest().encode()
                send(s, b"p", b"md5" + hashlib.md5(inner + body[4:8]).hexdigest().encode() + b"\\0")
            elif code == 10:
                nonce = base64.b64encode(os.urandom(18)).decode()
                first_bare = "n=,r=" + nonce
                first = ("n,," + first_bare).encode()
                send(s, b"p", b"SCRAM-SHA-256\\0" + struct.pack("!i", len(first)) + first)
            elif code == 11:
                server_first = body[4:].decode()
                attrs = dict(kv.split("=", 1) for kv in server_first.split(","))
                salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(attrs["s"]), int(attrs["i"]))
                client_key = hmac.new(salted, b"Client Key", "sha256").digest()
                without_proof = "c=biws,r=" + attrs["r"]
                auth = ",".join([first_bare, server_first, without_proof]).encode()
                signature = hmac.new(hashlib.sha256(client_key).digest(), auth, "sha256").digest()
                proof = base64.b64encode(bytes(a ^ b for a, b in zip(client_key, signature))).decode()
                send(s, b"p", (without_proof + ",p=" + proof).encode())
            elif code != 12:
                raise RuntimeError(f"unknown authentication request {code}")
    finally:
        s.close()

candidates = collect()
sockets = glob.glob("/tmp/.s.PGSQL.*") + glob.glob("/run/postgresql/*") + glob.glob("/var/run/postgresql/*")
connected = next((source for value, source in candidates.items() if attempt(value)), None)
print(json.dumps({"tried": len(candidates), "connected": connected, "sockets": sockets}))
`;

describe("PostgreSQL from a sandboxed job", () => {
  const db = () => {
    const url = new URL(t.url);
    return { host: url.hostname, port: Number(url.port), password: decodeURIComponent(url.password) };
  };

  test("is refused with everything the job can find; there is no socket to try", async () => {
    const { host, port } = db();
    const r = await executor.run(spec(PG_PROBE, { params: { host, port } }));
    const seen = printed(r);
    expect(seen.sockets).toEqual([]);
    expect(seen.connected).toBeNull();
    expect(seen.tried).toBeGreaterThan(10);
  });

  test("the same probe gets in when the password does leak to it (the probe works)", async () => {
    const { host, port, password } = db();
    const r = await executor.run(
      spec(PG_PROBE, { params: { host, port }, env: { RNDFLOW_SECRET_LEAKED: password } }),
    );
    expect(printed(r).connected).toBe("env RNDFLOW_SECRET_LEAKED");
  });
});

describe("jobs using real libraries", () => {
  let server: http.Server;
  let api: string;
  const received: unknown[] = [];
  beforeAll(async () => {
    // stands in for the Keyflow API: jobs reach services on the host over HTTP, by name
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => {
        body += c.toString("utf8");
      });
      req.on("end", () => {
        received.push(JSON.parse(body));
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ echo: JSON.parse(body) }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    api = `http://localhost:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test("python: multiprocessing, json, urllib to the API, the system's TLS trust store", async () => {
    const r = await executor.run(
      spec(
        `
import json, multiprocessing, os, ssl, urllib.request

def square(n):
    return n * n

if __name__ == "__main__":
    with multiprocessing.Pool(2) as pool:
        squares = pool.map(square, range(5))
    request = urllib.request.Request(os.environ["RNDFLOW_API_SERVER"] + "/echo",
                                     data=json.dumps({"squares": squares}).encode(),
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        echoed = json.load(response)["echo"]
    os.makedirs("out/0")
    cas = ssl.create_default_context().cert_store_stats()["x509_ca"]
    json.dump({"echoed": echoed, "trusted_cas": cas > 0}, open("out/0/fields.json", "w"))
`,
        { env: { RNDFLOW_API_SERVER: api } },
      ),
    );
    expect(r.exitCode, r.log).toBe(0);
    expect(r.outputs[0]?.fields).toEqual({ echoed: { squares: [0, 1, 4, 9, 16] }, trusted_cas: true });
    expect(received).toContainEqual({ squares: [0, 1, 4, 9, 16] });
  });

  test("node: fetch to the API, the job user's name", async () => {
    const r = await executor.run(
      spec(
        `
const fs = require("node:fs");
const os = require("node:os");
(async () => {
  const res = await fetch(process.env.RNDFLOW_API_SERVER + "/echo", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ user: os.userInfo().username, node: process.version }),
  });
  fs.mkdirSync("out/0", { recursive: true });
  fs.writeFileSync("out/0/fields.json", JSON.stringify(await res.json()));
})();
`,
        { runtime: "node", env: { RNDFLOW_API_SERVER: api } },
      ),
    );
    expect(r.exitCode, r.log).toBe(0);
    const user = isRoot ? JOB_USER : os.userInfo().username;
    expect(r.outputs[0]?.fields).toEqual({ echo: { user, node: process.version } });
  });
});

describe("choosing the executor at worker start", () => {
  const notes: string[] = [];
  const log = {
    warn: (_: object, message: string) => notes.push(`warn: ${message}`),
    error: (_: object, message: string) => notes.push(`error: ${message}`),
  };

  test("without bwrap the worker refuses to start, saying what to do", async () => {
    const attempt = workerExecutor({ sandbox: true, bwrap: "/nonexistent/bwrap", protectedDirs: [], log });
    await expect(attempt).rejects.toThrow(SandboxUnavailableError);
    await expect(attempt).rejects.toThrow(
      "node jobs run in a bubblewrap sandbox, but bwrap (/nonexistent/bwrap) is not installed: " +
        "install it (apt-get install bubblewrap) or set KEYFLOW_SANDBOX=off to run node jobs without a sandbox",
    );
  });

  test("KEYFLOW_SANDBOX=off runs jobs as today's plain child processes, with a warning", async () => {
    const plain = await workerExecutor({ sandbox: false, protectedDirs: [], log });
    try {
      expect(notes).toContainEqual(
        expect.stringMatching(/^warn: KEYFLOW_SANDBOX=off: node jobs run without/),
      );
      const r = await plain.run(
        spec(`import os\nprint(os.path.exists("/proc/${process.pid}"), os.getcwd().startswith("/jobs/"))\n`),
      );
      expect(r.log).toBe("True False\n"); // the worker's processes, its directory at its host path
    } finally {
      await plain.close?.();
    }
  });

  test("KEYFLOW_SANDBOX: on unless exactly off", () => {
    expect(sandboxSetting({})).toBe(true);
    expect(sandboxSetting({ KEYFLOW_SANDBOX: "on" })).toBe(true);
    expect(sandboxSetting({ KEYFLOW_SANDBOX: "off" })).toBe(false);
    expect(() => sandboxSetting({ KEYFLOW_SANDBOX: "no" })).toThrow('KEYFLOW_SANDBOX must be "on" or "off"');
  });
});
