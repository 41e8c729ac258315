import { randomBytes } from "node:crypto";
import { type JobState, sql } from "@keyflow/db";
import { createTestDatabase, type TestDatabase } from "@keyflow/db/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { auth, dataLayers, graph, jobs, packages, projects, userPrincipal } from "../src/index";

// Crash recovery for node jobs (SPEC §6 job states): `sweepStaleJobs` finishes jobs a dead worker
// left `running` and `queued` jobs whose graphile-worker job is lost. No worker runs here, so
// queued jobs keep their graphile-worker job until a test removes it.

const S = 1000;
let t: TestDatabase;
let me: ReturnType<typeof userPrincipal>;
let projectId: number;
let layerId: number;

beforeAll(async () => {
  t = await createTestDatabase();
  const owner = await auth.signUp(t.db, {
    email: `o-${randomBytes(3).toString("hex")}@example.com`,
    password: "correct horse battery",
    name: "Owner",
  });
  me = userPrincipal(owner.id);
  projectId = (await projects.createProject(t.db, me, { name: "Sweep" })).id;
  const [main] = await dataLayers.listDataLayers(t.db, me, { projectId });
  layerId = main!.id;
});
afterAll(async () => {
  await t?.destroy();
});

async function computeNode(timeoutS: number) {
  return graph.createNode(t.db, me, {
    projectId,
    name: `n-${randomBytes(3).toString("hex")}`,
    kind: "compute",
    timeoutS,
  });
}

/** A package arriving at the node queues its job (and its graphile-worker job); returns the job id. */
async function queuedJob(nodeId: number): Promise<number> {
  const pkg = await packages.createPackage(t.db, me, { nodeId, dataLayerId: layerId, label: "in" });
  const row = await t.db
    .selectFrom("jobs")
    .select(["id", "state"])
    .where("package_id", "=", pkg.id)
    .executeTakeFirstOrThrow();
  expect(row.state).toBe("queued");
  return row.id;
}

/** As claimJob leaves it, started `agoS` seconds ago. */
async function runningJob(nodeId: number, agoS: number): Promise<number> {
  const id = await queuedJob(nodeId);
  await sql`update jobs set state = 'running', started_at = now() - make_interval(secs => ${agoS}),
    created_at = now() - make_interval(secs => ${agoS + 1}) where id = ${id}`.execute(t.db);
  return id;
}

const ageQueued = (id: number, agoS: number) =>
  sql`update jobs set created_at = now() - make_interval(secs => ${agoS}) where id = ${id}`.execute(t.db);
const graphileJob = async (id: number) =>
  (
    await sql<{ attempts: number; max_attempts: number }>`
      select attempts, max_attempts from graphile_worker.jobs where key = ${`job:${id}`}`.execute(t.db)
  ).rows[0];

async function states(ids: number[]) {
  const rows = await t.db
    .selectFrom("jobs")
    .select(["id", "state", "error", "finished_at"])
    .where("id", "in", ids)
    .execute();
  return new Map(rows.map((r) => [r.id, r]));
}

describe("sweepStaleJobs", () => {
  test("fails running jobs past their node's timeout + grace and lost queued jobs; leaves the rest", async () => {
    const quick = await computeNode(30); // stale after 150 s
    const slow = await computeNode(600); // stale after 720 s

    const deadQuick = await runningJob(quick.id, 200);
    const aliveSlow = await runningJob(slow.id, 200); // same age, longer timeout: still running
    const inGrace = await runningJob(quick.id, 140); // timed out but within the 120 s grace
    const fresh = await runningJob(slow.id, 0);
    const deadSlow = await runningJob(slow.id, 800);

    // queued: waiting in graphile-worker (even for long), lost, lost but young, used up its attempt
    const waiting = await queuedJob(quick.id);
    await ageQueued(waiting, 3600);
    const lost = await queuedJob(quick.id);
    await ageQueued(lost, 11 * 60);
    await sql`select graphile_worker.remove_job(${`job:${lost}`})`.execute(t.db);
    const lostYoung = await queuedJob(quick.id);
    await ageQueued(lostYoung, 9 * 60);
    await sql`select graphile_worker.remove_job(${`job:${lostYoung}`})`.execute(t.db);
    const exhausted = await queuedJob(quick.id);
    await ageQueued(exhausted, 11 * 60);
    await sql`update graphile_worker._private_jobs set attempts = max_attempts, last_error = 'boom'
      where key = ${`job:${exhausted}`}`.execute(t.db);
    expect(await graphileJob(exhausted)).toEqual({ attempts: 1, max_attempts: 1 });

    // finished jobs are never touched, however old
    const done = await runningJob(quick.id, 5000);
    await sql`update jobs set state = 'completed', finished_at = now() - interval '1 hour' where id = ${done}`.execute(
      t.db,
    );

    const before = Date.now();
    const r = await jobs.sweepStaleJobs(t.db);
    expect(r).toEqual({ interrupted: 2, lost: 2 });

    const all = [deadQuick, aliveSlow, inGrace, fresh, deadSlow, waiting, lost, lostYoung, exhausted, done];
    const s = await states(all);
    const expected: Record<number, JobState> = {
      [deadQuick]: "failed",
      [aliveSlow]: "running",
      [inGrace]: "running",
      [fresh]: "running",
      [deadSlow]: "failed",
      [waiting]: "queued",
      [lost]: "failed",
      [lostYoung]: "queued",
      [exhausted]: "failed",
      [done]: "completed",
    };
    expect(Object.fromEntries(all.map((id) => [id, s.get(id)?.state]))).toEqual(expected);
    for (const id of [deadQuick, deadSlow]) {
      expect(s.get(id)?.error).toBe("interrupted: the worker running it stopped");
      expect(s.get(id)?.finished_at?.getTime()).toBeGreaterThanOrEqual(before - S);
    }
    for (const id of [lost, exhausted]) {
      expect(s.get(id)?.error).toBe(jobs.LOST_ERROR);
      expect(s.get(id)?.finished_at).not.toBeNull();
    }
    for (const id of [aliveSlow, inGrace, fresh, waiting, lostYoung]) {
      expect(s.get(id)?.error).toBeNull();
      expect(s.get(id)?.finished_at).toBeNull();
    }

    // running it again finds nothing and changes nothing
    expect(await jobs.sweepStaleJobs(t.db)).toEqual({ interrupted: 0, lost: 0 });
    const again = await states(all);
    expect(again).toEqual(s);

    // a later sweep (as the minutes pass) picks up the jobs whose time has come
    const later = new Date(Date.now() + 10 * 60 * S);
    expect(await jobs.sweepStaleJobs(t.db, later)).toEqual({ interrupted: 2, lost: 1 });
    const after = await states([aliveSlow, inGrace, fresh, waiting, lostYoung]);
    expect(after.get(aliveSlow)?.state).toBe("failed");
    expect(after.get(inGrace)?.state).toBe("failed");
    expect(after.get(fresh)?.state).toBe("running"); // 600 s in, under its 720 s
    expect(after.get(lostYoung)?.state).toBe("failed");
    expect(after.get(waiting)?.state).toBe("queued"); // graphile-worker still holds it
  });

  test("a swept job no longer counts toward the project's cap, and a late finish is ignored", async () => {
    const node = await computeNode(30);
    const id = await runningJob(node.id, 1000);
    const active = async () =>
      Number(
        (
          await t.db
            .selectFrom("jobs")
            .select((eb) => eb.fn.countAll<number>().as("n"))
            .where("project_id", "=", projectId)
            .where("state", "in", ["queued", "running"])
            .where("node_id", "=", node.id)
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await active()).toBe(1);
    expect((await jobs.sweepStaleJobs(t.db)).interrupted).toBe(1);
    expect(await active()).toBe(0);
    // the worker that "died" comes back and reports: the row stays as the sweep left it
    const finished = await jobs.finishJob(t.db, id, {
      state: "completed",
      exitCode: 0,
      log: "late",
      logTruncated: false,
    });
    expect(finished).toBeNull();
    const row = await t.db
      .selectFrom("jobs")
      .select(["state", "log"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ state: "failed", log: "" });
  });
});
