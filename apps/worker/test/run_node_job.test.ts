import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { addJob, dataLayers, graph, jobs, Keyring, packages, projects, secrets } from "@keyflow/core";
import type { JobState } from "@keyflow/db";
import { createTestDatabase, type TestDatabase } from "@keyflow/db/testing";
import { TASKS } from "@keyflow/schemas";
import { createUser, type TestUser, waitFor } from "@keyflow/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { LocalProcessExecutor } from "../src/executor/index";
import { type RunningWorker, startWorker } from "../src/index";
import { queuedJobs } from "./queue";

const APP_URL = "https://keyflow.example.test";
const SECRET = "test-master-secret-0123456789abcdef";

/** Jobs run real processes: more time than a database change needs. */
const JOB_WAIT = { timeoutMs: 20_000 };

let t: TestDatabase;
let worker: RunningWorker;
let tmp: string;
let owner: TestUser;
let projectId: number;
let layerId: number;
const me = () => owner.as;

beforeAll(async () => {
  t = await createTestDatabase();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "keyflow-run-node-job-"));
  fs.chmodSync(tmp, 0o711);
  // the worker's own environment holds what jobs must never see
  process.env.DATABASE_URL = t.url;
  process.env.KEYFLOW_SECRET = SECRET;
  worker = await startWorker({
    databaseUrl: t.url,
    appUrl: APP_URL,
    secret: SECRET,
    crontab: "",
    executor: new LocalProcessExecutor({ baseDir: path.join(tmp, "jobs"), killGraceMs: 500 }),
  });
  owner = await createUser(t.db, "Owner");
  projectId = (await projects.createProject(t.db, me(), { name: "Jobs" })).id;
  const [main] = await dataLayers.listDataLayers(t.db, me(), { projectId });
  layerId = main!.id;
});
afterAll(async () => {
  await worker?.stop();
  await t?.destroy();
  delete process.env.DATABASE_URL;
  delete process.env.KEYFLOW_SECRET;
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const PY_DOUBLER = `
import json, os
pkg = [d for d in os.listdir("in") if d != "params.json"][0]
fields = json.load(open(f"in/{pkg}/fields.json"))
os.makedirs("out/0", exist_ok=True)
json.dump({"n": fields["n"] * 2}, open("out/0/fields.json", "w"))
open("out/0/label", "w").write("doubled")
print("python doubled", fields["n"])
`;

const JS_DOUBLER = `
const fs = require("node:fs");
const pkg = fs.readdirSync("in").find((d) => d !== "params.json");
const fields = JSON.parse(fs.readFileSync(\`in/\${pkg}/fields.json\`, "utf8"));
fs.mkdirSync("out/0", { recursive: true });
fs.writeFileSync("out/0/fields.json", JSON.stringify({ n: fields.n * 2 }));
fs.writeFileSync("out/0/label", "doubled");
console.log("node doubled", fields.n);
`;

async function dataNode(name: string) {
  return graph.createNode(t.db, me(), { projectId, name, kind: "data" });
}

async function computeNode(name: string, runtime: "python" | "node", script: string, timeoutS?: number) {
  const node = await graph.createNode(t.db, me(), { projectId, name, kind: "compute", runtime, timeoutS });
  await graph.putFile(t.db, me(), { nodeId: node.id, path: node.entry!, content: script });
  return node;
}

const link = (fromNodeId: number, toNodeId: number) =>
  graph.createLink(t.db, me(), { projectId, fromNodeId, toNodeId });

const send = (nodeId: number, fields: Record<string, unknown> = {}) =>
  packages.createPackage(t.db, me(), { nodeId, dataLayerId: layerId, label: "input", fields });

const jobsOf = (nodeId: number) =>
  t.db.selectFrom("jobs").selectAll().where("node_id", "=", nodeId).orderBy("id").execute();

const DONE: JobState[] = ["completed", "failed", "timeout"];

/** Waits until the node has `count` jobs and all of them finished. */
async function finishedJobs(nodeId: number, count = 1) {
  return waitFor(
    `${count} finished job(s) of node ${nodeId}`,
    async () => {
      const rows = await jobsOf(nodeId);
      return rows.length === count && rows.every((r) => DONE.includes(r.state)) ? rows : null;
    },
    JOB_WAIT,
  );
}

const packagesIn = (nodeId: number) =>
  t.db.selectFrom("packages").selectAll().where("node_id", "=", nodeId).orderBy("id").execute();

/** graphile-worker's run_node_job jobs not yet done. */
const pendingRunJobs = async () => (await queuedJobs(t.db, TASKS.runNodeJob)).length;

describe("run_node_job", () => {
  for (const runtime of ["python", "node"] as const) {
    test(`${runtime}: a doubler's output keeps the master and is pushed to the linked data node`, async () => {
      const input = await dataNode(`In ${runtime}`);
      const doubler = await computeNode(
        `Double ${runtime}`,
        runtime,
        runtime === "python" ? PY_DOUBLER : JS_DOUBLER,
      );
      const output = await dataNode(`Out ${runtime}`);
      await link(input.id, doubler.id);
      await link(doubler.id, output.id);
      const sent = await send(input.id, { n: 21 });

      const [job] = await finishedJobs(doubler.id);
      expect(job).toMatchObject({ state: "completed", exit_code: 0, outputs: 1, error: null });
      expect(job?.log).toBe(`${runtime} doubled 21\n`);
      expect(job?.started_at).toBeInstanceOf(Date);
      expect(job!.finished_at!.getTime()).toBeGreaterThanOrEqual(job!.started_at!.getTime());

      const [copy, produced] = await packagesIn(doubler.id);
      expect(copy).toMatchObject({ origin: "push", master_id: sent.id, parent_id: sent.id });
      expect(job?.package_id).toBe(copy?.id);
      expect(produced).toMatchObject({
        origin: "job",
        master_id: sent.id,
        parent_id: copy?.id,
        label: "doubled",
      });
      const out = await waitFor("the pushed output", async () => (await packagesIn(output.id))[0]);
      expect(out).toMatchObject({
        master_id: sent.id,
        parent_id: produced?.id,
        fields: { n: 42 },
        label: "doubled",
      });

      // visible through core with the owner's rights, duration computed
      const [listed] = await jobs.listJobs(t.db, me(), { nodeId: doubler.id });
      expect(listed).toMatchObject({ id: job?.id, state: "completed", outputs: 1, exitCode: 0 });
      expect(listed?.durationMs).toBeGreaterThanOrEqual(0);
    });
  }

  test("a job sleeping past its timeout is killed with its children → timeout", async () => {
    // found on the host by its unique command line: inside the sandbox the job sees its own pids
    const sleep = ["sleep", `1000.${process.pid}${Date.now() % 100_000}`];
    const cmdline = `${sleep.join("\0")}\0`;
    const running = () =>
      fs.readdirSync("/proc").some((pid) => {
        try {
          return /^\d+$/.test(pid) && fs.readFileSync(`/proc/${pid}/cmdline`, "utf8") === cmdline;
        } catch {
          return false; // exited meanwhile
        }
      });
    const script = `
import subprocess, time
child = subprocess.Popen(${JSON.stringify(sleep)})
print("child", child.pid, flush=True)
time.sleep(1000)
`;
    const node = await computeNode("Sleeper", "python", script, 1);
    await send(node.id);
    await waitFor("the job's child to run", running, JOB_WAIT);
    const [job] = await finishedJobs(node.id);
    expect(job).toMatchObject({
      state: "timeout",
      exit_code: null,
      outputs: 0,
      error: "timed out after 1 s",
    });
    expect(job?.log).toMatch(/^child \d+\n/);
    expect(running()).toBe(false);
  });

  test("a job printing a granted secret shows *** in its log; its env holds no worker settings", async () => {
    const script = `
import json, os
print("token:", os.environ["RNDFLOW_SECRET_SERVER_TOKEN"])
print(json.dumps(sorted(os.environ.keys())))
print("api:", os.environ["RNDFLOW_API_SERVER"], "refresh:", repr(os.environ["RNDFLOW_REFRESH_TOKEN"]))
`;
    const node = await computeNode("Leaky", "python", script);
    const keyring = new Keyring(SECRET);
    const secret = await secrets.createSecret(
      t.db,
      me(),
      { projectId, name: "server_token", value: "kf_supersecretvalue123" },
      keyring,
    );
    await secrets.setNodes(t.db, me(), { secretId: secret.id, nodeIds: [node.id] });
    await send(node.id);
    const [job] = await finishedJobs(node.id);
    expect(job?.state).toBe("completed");
    expect(job?.log).not.toContain("supersecret");
    const [tokenLine, envLine, apiLine] = job!.log.trim().split("\n");
    expect(tokenLine).toBe("token: ***");
    const keys = JSON.parse(envLine ?? "[]") as string[];
    expect(keys).toEqual([
      "HOME",
      "LANG",
      "PATH",
      "RNDFLOW_API_SERVER",
      "RNDFLOW_REFRESH_TOKEN",
      "RNDFLOW_SECRET_SERVER_TOKEN",
      "TZ",
    ]);
    for (const k of ["DATABASE_URL", "KEYFLOW_SECRET", "SMTP_URL"]) expect(keys).not.toContain(k);
    expect(apiLine).toBe(`api: ${APP_URL} refresh: ''`);
  });

  test("a package reaching a compute node through two links runs two jobs; redelivery never duplicates", async () => {
    const source = await dataNode("Source");
    const left = await dataNode("Left");
    const right = await dataNode("Right");
    const doubler = await computeNode("Double twice", "python", PY_DOUBLER);
    const sink = await dataNode("Sink");
    await link(source.id, left.id);
    await link(source.id, right.id);
    await link(left.id, doubler.id);
    await link(right.id, doubler.id);
    await link(doubler.id, sink.id);
    const sent = await send(source.id, { n: 5 });

    const done = await finishedJobs(doubler.id, 2);
    expect(done.map((j) => j.state)).toEqual(["completed", "completed"]);
    expect(new Set(done.map((j) => j.package_id)).size).toBe(2);
    const sinkPackages = await waitFor("two results", async () => {
      const rows = await packagesIn(sink.id);
      return rows.length === 2 ? rows : null;
    });
    expect(sinkPackages.every((p) => p.master_id === sent.id && p.fields.n === 10)).toBe(true);

    // the same graphile job added again, and the same delivery queued again, change nothing
    const [first] = done;
    const jobId = first!.id;
    await t.db.transaction().execute(async (trx) => {
      await addJob(trx, TASKS.runNodeJob, { jobId });
      await addJob(trx, TASKS.runNodeJob, { jobId }, { jobKey: `job:${jobId}` });
    });
    const copy = await t.db
      .selectFrom("packages")
      .selectAll()
      .where("id", "=", first!.package_id)
      .executeTakeFirstOrThrow();
    expect(await t.db.transaction().execute((trx) => jobs.queueJob(trx, copy, doubler.id))).toBeNull();
    await waitFor("the re-added jobs to be processed", async () => (await pendingRunJobs()) === 0);
    expect(await jobsOf(doubler.id)).toEqual(done);
    expect(await packagesIn(sink.id)).toHaveLength(2);
    expect((await packagesIn(doubler.id)).filter((p) => p.origin === "job")).toHaveLength(2);
  });

  test("a node switched off in the layer queues nothing", async () => {
    const node = await computeNode("Off", "python", PY_DOUBLER);
    await graph.setActive(t.db, me(), { nodeId: node.id, dataLayerId: layerId, active: false });
    const before = await pendingRunJobs();
    await send(node.id, { n: 1 });
    expect(await packagesIn(node.id)).toHaveLength(1);
    expect(await jobsOf(node.id)).toEqual([]);
    expect(await pendingRunJobs()).toBe(before);

    // switched on again, the next package runs
    await graph.setActive(t.db, me(), { nodeId: node.id, dataLayerId: layerId, active: true });
    await send(node.id, { n: 1 });
    expect((await finishedJobs(node.id))[0]?.state).toBe("completed");
  });

  test("a failing job is final: failed with its exit code and no outputs", async () => {
    const node = await computeNode(
      "Crash",
      "python",
      "import os, sys\nos.makedirs('out/0')\nprint('boom')\nsys.exit(3)\n",
    );
    const sink = await dataNode("Crash sink");
    await link(node.id, sink.id);
    await send(node.id);
    const [job] = await finishedJobs(node.id);
    expect(job).toMatchObject({
      state: "failed",
      exit_code: 3,
      outputs: 0,
      error: "exited with code 3",
      log: "boom\n",
    });
    expect(await packagesIn(sink.id)).toEqual([]);
    const attempted = (await queuedJobs(t.db, TASKS.runNodeJob)).filter((j) => j.attempts > 0);
    expect(attempted).toHaveLength(0); // the task never throws: nothing left to retry
  });

  test("outputs beyond the package limits store nothing and fail the job with the reason", async () => {
    const script = `
import os
os.makedirs("out/0")
open("out/0/label", "w").write("x" * 2000)
`;
    const node = await computeNode("Too long", "python", script);
    await send(node.id);
    const [job] = await finishedJobs(node.id);
    expect(job).toMatchObject({ state: "failed", exit_code: 0, outputs: 0 });
    expect(job?.error).toMatch(/^outputs\.0\.label: must be at most 1 KiB/);
    expect((await packagesIn(node.id)).filter((p) => p.origin === "job")).toEqual([]);
  });

  test("beyond the per-project cap a job row is created as failed and never queued", async () => {
    const node = await computeNode("Capped", "python", PY_DOUBLER);
    await graph.setActive(t.db, me(), { nodeId: node.id, dataLayerId: layerId, active: false });
    await send(node.id, { n: 1 });
    const [pkg] = await packagesIn(node.id);
    await graph.setActive(t.db, me(), { nodeId: node.id, dataLayerId: layerId, active: true });
    const before = await pendingRunJobs();
    const queued = await t.db.transaction().execute((trx) => jobs.queueJob(trx, pkg!, node.id, 0));
    expect(queued?.state).toBe("failed");
    const [row] = await jobsOf(node.id);
    expect(row).toMatchObject({ state: "failed", error: jobs.JOB_LIMIT_ERROR });
    expect(await pendingRunJobs()).toBe(before);
    expect(jobs.MAX_ACTIVE_JOBS_PER_PROJECT).toBe(1000);
  });
});
