import { addJob } from "@keyflow/core";
import { createTestDatabase, type TestDatabase } from "@keyflow/db/testing";
import { TASKS } from "@keyflow/schemas";
import { afterAll, beforeAll, expect, test } from "vitest";
import { queuedJobs } from "./queue";

// core's one `addJob`: a job is queued in the caller's transaction (SPEC §8), so no worker ever
// sees a job of a change that rolled back. No worker runs here: the queue is read as it is.

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.destroy();
});

const email = {
  to: "ada@example.com",
  template: "member_added",
  data: { projectId: 1, projectName: "P", inviterName: "I", roleNames: [] },
};

test("inside a rolled-back transaction nothing is queued", async () => {
  await expect(
    t.db.transaction().execute(async (trx) => {
      await addJob(trx, TASKS.sendEmail, email);
      await addJob(trx, TASKS.runNodeJob, { jobId: 7 }, { jobKey: "job:7" });
      expect(await queuedJobs(trx, TASKS.sendEmail)).toHaveLength(1); // it was there, inside
      throw new Error("rolled back");
    }),
  ).rejects.toThrow("rolled back");
  expect(await queuedJobs(t.db, TASKS.sendEmail)).toEqual([]);
  expect(await queuedJobs(t.db, TASKS.runNodeJob)).toEqual([]);
});

test("inside a committed transaction exactly one job is queued, with its task's attempts, seen only after commit", async () => {
  await t.db.transaction().execute(async (trx) => {
    await addJob(trx, TASKS.sendEmail, email);
    // another connection (a worker's) does not see it before the commit
    expect(await queuedJobs(t.db, TASKS.sendEmail)).toEqual([]);
  });
  const [queued, ...more] = await queuedJobs(t.db, TASKS.sendEmail);
  expect(more).toEqual([]);
  expect(queued).toMatchObject({ attempts: 0, maxAttempts: 10, lastError: null, payload: email });

  await t.db.transaction().execute((trx) => addJob(trx, TASKS.runNodeJob, { jobId: 8 }, { jobKey: "job:8" }));
  expect(await queuedJobs(t.db, TASKS.runNodeJob)).toMatchObject([
    { attempts: 0, maxAttempts: 1, payload: { jobId: 8 } },
  ]);
  // the cron tasks keep graphile-worker's default attempts
  await t.db.transaction().execute((trx) => addJob(trx, TASKS.sweepJobs, {}));
  expect(await queuedJobs(t.db, TASKS.sweepJobs)).toMatchObject([{ maxAttempts: 25, payload: {} }]);
});
