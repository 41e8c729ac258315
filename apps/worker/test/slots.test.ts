import { dataLayers, graph, members, packages, projects } from "@keyflow/core";
import { createTestDatabase, type TestDatabase } from "@keyflow/db/testing";
import { createUser, waitFor } from "@keyflow/testing";
import { type Receiver, startReceiver } from "@keyflow/testing/smtp";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Executor, JobResult } from "../src/executor/index";
import { type RunningWorker, startWorker } from "../src/index";

/** An executor whose jobs run until the test releases them. */
function blockingExecutor() {
  let started = 0;
  let release: (r: JobResult) => void = () => {};
  const done = new Promise<JobResult>((resolve) => {
    release = resolve;
  });
  const executor: Executor = {
    run: async () => {
      started++;
      return done;
    },
  };
  return { executor, started: () => started, release };
}

let t: TestDatabase;
let receiver: Receiver;
let worker: RunningWorker;
const blocking = blockingExecutor();

beforeAll(async () => {
  [t, receiver] = await Promise.all([createTestDatabase(), startReceiver()]);
  worker = await startWorker({
    databaseUrl: t.url,
    smtpUrl: receiver.url,
    appUrl: "http://localhost:3000",
    concurrency: 1,
    executor: blocking.executor,
  });
});
afterAll(async () => {
  blocking.release({ exitCode: 0, timedOut: false, log: "", logTruncated: false, outputs: [] });
  await worker?.stop();
  await receiver?.close();
  await t?.destroy();
});

test("e-mail goes out while every node-job slot is busy", async () => {
  const owner = await createUser(t.db, "owner");
  const member = await createUser(t.db, "member");
  const as = owner.as;
  const project = await projects.createProject(t.db, as, { name: "Busy" });
  const node = await graph.createNode(t.db, as, { projectId: project.id, name: "slow", kind: "compute" });
  const [layer] = await dataLayers.listDataLayers(t.db, as, { projectId: project.id });
  await packages.createPackage(t.db, as, { nodeId: node.id, dataLayerId: layer!.id, fields: { x: 1 } });
  await waitFor("the node job to occupy the only slot", () => blocking.started() === 1);

  await members.addMember(t.db, as, { projectId: project.id, email: member.email, roleIds: [] });
  const mail = await waitFor("the member-added e-mail", () =>
    receiver.messages.find((m) => m.envelopeTo.includes(member.email)),
  );
  expect(mail.mail.subject).toMatch(/Busy/);
  expect(blocking.started()).toBe(1); // the job is still running
});
