import { apiKeys, Keyring, projects, roles, usage } from "@keyflow/core";
import { sql } from "@keyflow/db";
import { createTestDatabase, type TestDatabase } from "@keyflow/db/testing";
import { TASKS } from "@keyflow/schemas";
import { createUser, waitFor } from "@keyflow/testing";
import { makeWorkerUtils } from "graphile-worker";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type RunningWorker, startWorker } from "../src/index";
import { queuedJobs } from "./queue";

// The `rollup_usage` task and its every-minute cron item (SPEC §7), with two workers on one database.

const HOUR = 3_600_000;
let t: TestDatabase;
const workers: RunningWorker[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
});

// Started after the events are written: a cron tick before them would move the watermark past the
// older of the two hours (only the last rolled hour is re-rolled, see REROLL_MS).
async function startTwoWorkers() {
  for (let i = 0; i < 2; i++) {
    workers.push(
      await startWorker({
        databaseUrl: t.url,
        smtpUrl: "smtp://127.0.0.1:9",
        appUrl: "http://localhost:3000",
      }),
    );
  }
}
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await t?.destroy();
});

async function oneKey() {
  const owner = await createUser(t.db, "O");
  const holder = await createUser(t.db, "H");
  const as = owner.as;
  const project = await projects.createProject(t.db, as, { name: "Rolled", isPublic: true });
  const role = await roles.createRole(t.db, as, {
    projectId: project.id,
    name: "Client",
    permissions: { project: ["project_view"], nodes: {} },
  });
  const template = await apiKeys.createTemplate(t.db, as, {
    projectId: project.id,
    name: "T",
    roleId: role.id,
  });
  const req = await apiKeys.requestKey(t.db, holder.as, { templateId: template.id });
  const { keyId } = await apiKeys.approveRequest(
    t.db,
    as,
    { requestId: req.id },
    new Keyring("test-secret-0123456789"),
  );
  return keyId;
}

test("the rollup is scheduled every minute; jobs on two workers at once roll each hour up exactly once", async () => {
  const keyId = await oneKey();
  // the hour before the last complete one (a minute back, so the rollup's grace period never matters)
  const hourAgo = Math.floor((Date.now() - 60_000) / HOUR) * HOUR - HOUR;
  const events = [0, 1, 2, 3, 4].map((i) => ({
    keyId,
    at: new Date(hourAgo - HOUR + i * 20 * 60_000), // two complete hours before the current one
    method: "POST",
    route: "/api/x",
    status: i === 2 ? 500 : 200,
    outcome: i === 2 ? ("server_error" as const) : ("ok" as const),
    durationMs: 1,
    price: "0.1",
  }));
  await usage.recordUsage(t.db, events);

  await startTwoWorkers();
  // graphile-worker registered the cron item (it queues it at each minute, once across workers)
  const known = await sql<{ identifier: string }>`
    select identifier from graphile_worker._private_known_crontabs`.execute(t.db);
  expect(known.rows.map((r) => r.identifier).sort()).toEqual(
    [TASKS.notifyExpiry, TASKS.rollupUsage, TASKS.sweepJobs].sort(),
  );

  const utils = await makeWorkerUtils({ pgPool: t.pool });
  try {
    // several at once, as after a backlog on several workers: core serialises them
    await Promise.all([1, 2, 3, 4].map(() => utils.addJob(TASKS.rollupUsage, {})));
  } finally {
    await utils.release();
  }
  await waitFor("the rollup jobs to finish", async () => {
    const runnable = (await queuedJobs(t.db, TASKS.rollupUsage)).filter((j) => !j.later);
    return runnable.length === 0;
  });

  const buckets = await t.db.selectFrom("usage_hourly").selectAll().orderBy("hour").execute();
  expect(buckets.map((b) => [b.hour.getTime(), b.requests, b.errors, b.cost])).toEqual([
    [hourAgo - HOUR, 3, 1, "0.200000"], // the 500 costs nothing
    [hourAgo, 2, 0, "0.200000"],
  ]);
  const totals = await usage.usageTotals(t.db, [keyId], new Date(0), new Date(Date.now() + HOUR));
  expect(totals.get(keyId)).toMatchObject({ requests: 5, errors: 1, cost: "0.4" });
  const watermark = await t.db
    .selectFrom("settings")
    .select("value")
    .where("key", "=", "usage_rolled_until")
    .executeTakeFirstOrThrow();
  expect(new Date(watermark.value).getTime()).toBeGreaterThanOrEqual(hourAgo + HOUR);
});
