import { addJob } from "@keyflow/core";
import { createTestDatabase, type TestDatabase } from "@keyflow/db/testing";
import { TASKS, type TaskName } from "@keyflow/schemas";
import { waitFor } from "@keyflow/testing";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startMain } from "./mainProcess";
import { queuedJobs } from "./queue";

// A job whose payload breaks its task's contract (queued by hand, or by another version) is
// dropped with an error line in the worker's log, never retried: a retry cannot fix it. The
// worker runs as `npm run start:worker` does, so the log is the one an operator reads.
// (rollup_usage, sweep_jobs and notify_expiry take any payload: graphile-worker's cron passes its own.)

let t: TestDatabase;
let main: ReturnType<typeof startMain>;

beforeAll(async () => {
  t = await createTestDatabase();
  main = startMain({
    DATABASE_URL: t.url,
    KEYFLOW_SECRET: "malformed-0123456789abcdef",
    SMTP_URL: "smtp://127.0.0.1:9", // nothing is mailed: every e-mail here is malformed
    LOG_LEVEL: "info",
  });
  await main.until("the worker to run", /Keyflow worker running/);
});
afterAll(async () => {
  await main?.stop();
  await t?.destroy();
});

/** The worker's "malformed payload, job dropped" log lines. */
function dropped(): { task: TaskName; jobId: number | string; problems: string[] }[] {
  return main
    .output()
    .split("\n")
    .filter((line) => line.includes("malformed payload, job dropped"))
    .map((line) => JSON.parse(line));
}

test("malformed send_email and run_node_job payloads are logged and dropped, not retried", async () => {
  const hidden = "hidden-recipient@example.com";
  await t.db.transaction().execute(async (trx) => {
    // two addresses in one: a header injection the guard refuses
    await addJob(trx, TASKS.sendEmail, {
      to: `ada@example.com, ${hidden}`,
      template: "member_added",
      data: {},
    });
    await addJob(trx, TASKS.sendEmail, { to: "ada@example.com", template: "no_such_template", data: {} });
    await addJob(trx, TASKS.runNodeJob, { jobId: 0 });
  });

  const lines = await waitFor(
    "three dropped jobs in the log",
    () => {
      const found = dropped();
      return found.length >= 3 ? found : null;
    },
    { timeoutMs: 30_000, context: main.output },
  );
  expect(lines.map((l) => l.task).sort()).toEqual([TASKS.runNodeJob, TASKS.sendEmail, TASKS.sendEmail]);
  expect(lines.flatMap((l) => l.problems).sort()).toEqual([
    expect.stringMatching(/^jobId: /),
    "template: not a known e-mail template",
    expect.stringMatching(/^to: /),
  ]);
  for (const l of lines) expect(Number(l.jobId)).toBeGreaterThan(0); // which job, for the operator
  expect(main.output()).not.toContain(hidden); // fields are named, their values never logged

  // each job finished without an error, so graphile-worker removed it: nothing left to retry
  await waitFor("the dropped jobs to leave the queue", async () => {
    const left = [
      ...(await queuedJobs(t.db, TASKS.sendEmail)),
      ...(await queuedJobs(t.db, TASKS.runNodeJob)),
    ];
    return left.length === 0;
  });
});
