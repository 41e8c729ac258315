import { dataLayers, graph, jobs, type Principal, packages, projects } from "@keyflow/core";
import { sql } from "@keyflow/db";
import { createTestDatabase, type TestDatabase } from "@keyflow/db/testing";
import { TASKS } from "@keyflow/schemas";
import { createUser, waitFor } from "@keyflow/testing";
import { makeWorkerUtils } from "graphile-worker";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type RunningWorker, startWorker } from "../src/index";
import { queuedJobs } from "./queue";

// Crash recovery (SPEC §6): a worker sweeps jobs a dead worker left behind when it starts, and
// the `sweep_jobs` task (scheduled every minute) does it again. The SQL is tested in core.

let t: TestDatabase;
let worker: RunningWorker | undefined;
let me: Principal;
let layerId: number;
let nodeId: number;

beforeAll(async () => {
  t = await createTestDatabase();
  me = (await createUser(t.db, "Owner")).as;
  const projectId = (await projects.createProject(t.db, me, { name: "Crashed" })).id;
  const [main] = await dataLayers.listDataLayers(t.db, me, { projectId });
  layerId = main!.id;
  nodeId = (await graph.createNode(t.db, me, { projectId, name: "Work", kind: "compute", timeoutS: 30 })).id;
});
afterAll(async () => {
  await worker?.stop();
  await t?.destroy();
});

/** A job a worker claimed `agoS` seconds ago and then died on (its graphile-worker job is gone). */
async function abandonedJob(agoS: number): Promise<number> {
  const pkg = await packages.createPackage(t.db, me, { nodeId, dataLayerId: layerId, label: "in" });
  const { id } = await t.db
    .selectFrom("jobs")
    .select("id")
    .where("package_id", "=", pkg.id)
    .executeTakeFirstOrThrow();
  await sql`select graphile_worker.remove_job(${`job:${id}`})`.execute(t.db);
  await sql`update jobs set state = 'running', started_at = now() - make_interval(secs => ${agoS})
    where id = ${id}`.execute(t.db);
  return id;
}

const jobRow = (id: number) =>
  t.db.selectFrom("jobs").select(["state", "error"]).where("id", "=", id).executeTakeFirstOrThrow();

test("the worker fails stale running jobs when it starts, and its sweep_jobs task does so later", async () => {
  const stale = await abandonedJob(400);
  const fresh = await abandonedJob(5);

  worker = await startWorker({
    databaseUrl: t.url,
    smtpUrl: "smtp://127.0.0.1:9",
    appUrl: "http://localhost:3000",
    crontab: "",
  });
  // done before startWorker resolves, before the runner takes new work
  expect(await jobRow(stale)).toEqual({ state: "failed", error: jobs.INTERRUPTED_ERROR });
  expect(await jobRow(fresh)).toEqual({ state: "running", error: null });

  // as the every-minute cron item would queue it
  const later = await abandonedJob(400);
  const utils = await makeWorkerUtils({ pgPool: t.pool });
  try {
    await utils.addJob(TASKS.sweepJobs, {}, { jobKey: TASKS.sweepJobs });
  } finally {
    await utils.release();
  }
  await waitFor("the sweep to fail the stale job", async () => (await jobRow(later)).state === "failed");
  expect(await jobRow(later)).toEqual({ state: "failed", error: jobs.INTERRUPTED_ERROR });
  expect(await jobRow(fresh)).toEqual({ state: "running", error: null });
  // the task finished without error (a failed task would stay in graphile-worker's table)
  await waitFor(
    "the sweep_jobs job to be done",
    async () => (await queuedJobs(t.db, TASKS.sweepJobs)).length === 0,
  );
});
