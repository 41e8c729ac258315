import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { mail } from "@keyflow/core";
import { sql } from "@keyflow/db";
import { TASKS } from "@keyflow/schemas";
import { waitFor } from "@keyflow/testing";
import { type Receiver, startReceiver } from "@keyflow/testing/smtp";
import { afterAll, beforeAll, expect, test } from "vitest";
import { serviceArgs } from "../../../scripts/bundle";
import { projectWithKey } from "./harness";
import { type ApiProcess, useApiProcesses } from "./processes";

// SPEC §13 and issue 8: two API processes and two worker processes on one PostgreSQL. Every
// request below goes to the API processes over HTTP, alternating between them.
const cluster = useApiProcesses(2);
const workerDir = path.resolve(import.meta.dirname, "../../worker");
const examples = path.resolve(import.meta.dirname, "../../../docs/examples");
let receiver: Receiver;
const workers: { child: ChildProcess; exited: Promise<unknown> }[] = [];

beforeAll(async () => {
  receiver = await startReceiver();
  for (let i = 0; i < 2; i++) {
    const child = spawn(process.execPath, serviceArgs("apps/worker"), {
      cwd: workerDir,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DATABASE_URL: cluster.h.database.url,
        KEYFLOW_SECRET: cluster.h.config.secret,
        SMTP_URL: receiver.url,
        APP_URL: "http://localhost:3000",
        LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout!.on("data", (d: Buffer) => {
      output += d;
    });
    child.stderr!.on("data", (d: Buffer) => {
      output += d;
    });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    workers.push({ child, exited });
    await waitFor("a worker process to run", () => output.includes("Keyflow worker running"), {
      timeoutMs: 60_000,
      context: () => output,
    });
  }
}, 120_000);

afterAll(async () => {
  for (const w of workers) w.child.kill("SIGTERM");
  await Promise.all(workers.map((w) => w.exited));
  await receiver?.close();
});

/** `n` calls spread over the API processes (call i goes to process i mod 2), `concurrency` at a time. */
async function spread<T>(n: number, concurrency: number, call: (api: ApiProcess, i: number) => Promise<T>) {
  const results: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        results[i] = await call(cluster.apis[i % cluster.apis.length]!, i);
      }
    }),
  );
  return results;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

test("a key limited to 60/min gets 60 ± 6 of 120 requests spread over both API processes", async () => {
  const k = await projectWithKey(cluster.h, { templateName: "Limited" });
  await k.owner.client.apiKeys.updateTemplate.mutate({ templateId: k.template.id, rateLimitPerMinute: 60 });
  const statuses = await spread(120, 8, async (api) => {
    const res = await fetch(`${api.url}/api/projects/${k.project.id}/data_layers/last`, {
      headers: bearer(k.token),
    });
    await res.arrayBuffer();
    return res.status;
  });
  const served = statuses.filter((s) => s === 200).length;
  console.log(`rate limit 60/min over two API processes: ${served} of 120 served`);
  expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
  expect(served).toBeGreaterThanOrEqual(54);
  expect(served).toBeLessThanOrEqual(66);

  // every call's usage event keeps where it came from; Issued keys shows it
  await waitFor("the usage events of both processes", async () => {
    const n = await cluster.h.db
      .selectFrom("usage_events")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("key_id", "=", k.keyId)
      .executeTakeFirstOrThrow();
    return Number(n.n) >= 120;
  });
  const { rows } = await k.owner.client.apiKeys.issued.query({
    projectId: k.project.id,
    from: new Date(Date.now() - 3_600_000),
    to: new Date(Date.now() + 60_000),
  });
  expect(rows[0]).toMatchObject({ keyId: k.keyId, lastIp: "127.0.0.1", distinctIps: 1 });
}, 60_000);

test("a key with a quota of 100 hammered from both processes gets exactly 100 answers < 400, and the 80 % and 100 % e-mails once each", async () => {
  const k = await projectWithKey(cluster.h, { templateName: "Metered" });
  await k.owner.client.apiKeys.updateTemplate.mutate({
    templateId: k.template.id,
    quota: { requests: 100, period: "day" },
  });
  const url = (api: ApiProcess) => `${api.url}/api/projects/${k.project.id}/data_layers/last`;
  let served = 0;
  let lastRefusal: { detail: string; remaining: string | null } | undefined;
  // rounds of 10 concurrent calls to each process, until a whole round is refused on both: then
  // neither process holds an unspent unit and PostgreSQL has none left to lease
  for (let round = 0; round < 50; round++) {
    const answers = await spread(20, 20, async (api) => {
      const res = await fetch(url(api), { headers: bearer(k.token) });
      const body = (await res.json()) as { detail?: string };
      if (res.status === 429)
        lastRefusal = { detail: body.detail!, remaining: res.headers.get("x-quota-remaining") };
      return res.status;
    });
    expect(answers.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    served += answers.filter((s) => s === 200).length;
    if (answers.every((s) => s === 429)) break;
  }
  expect(served).toBe(100);
  expect(lastRefusal?.detail).toMatch(
    /^Quota of 100 requests per day used up; renews at \d{4}-\d\d-\d\dT00:00:00\.000Z$/,
  );
  expect(lastRefusal?.remaining).toBe("0");

  const warnings = () =>
    receiver.to(k.holder.email).filter((m) => /% of its quota/.test(m.mail.subject ?? ""));
  await waitFor("the 80 % and 100 % e-mails", () => warnings().length >= 2, { timeoutMs: 30_000 });
  await waitFor("the e-mail queue to drain", async () => (await pendingJobs(TASKS.sendEmail)) === 0, {
    timeoutMs: 30_000,
  });
  expect(
    warnings()
      .map((m) => m.mail.subject)
      .sort(),
  ).toEqual([
    "Your API key for Metered used 100 % of its quota",
    "Your API key for Metered used 80 % of its quota",
  ]);
}, 120_000);

test("200 packages posted through both API processes arrive once each at the output node, run by two workers", async () => {
  const k = await projectWithKey(cluster.h, { templateName: "Doubler" });
  const owner = k.owner.client;
  const projectId = k.project.id;
  const input = await owner.graph.createNode.mutate({ projectId, name: "input", kind: "data" });
  const double = await owner.graph.createNode.mutate({
    projectId,
    name: "double",
    kind: "compute",
    runtime: "python",
    entry: "main.py",
  });
  await owner.graph.putFile.mutate({
    nodeId: double.id,
    path: "main.py",
    content: fs.readFileSync(path.join(examples, "double.py"), "utf8"),
  });
  const output = await owner.graph.createNode.mutate({ projectId, name: "output", kind: "data" });
  await owner.graph.createLink.mutate({ projectId, fromNodeId: input.id, toNodeId: double.id });
  await owner.graph.createLink.mutate({ projectId, fromNodeId: double.id, toNodeId: output.id });

  const created = await spread(200, 8, async (api, i) => {
    const res = await fetch(`${api.url}/api/projects/${projectId}/nodes/${input.id}/packages`, {
      method: "POST",
      headers: { ...bearer(k.token), "content-type": "application/json" },
      body: JSON.stringify({ label: `p${i}`, fields: [{ name: "x", value: i }] }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { master_id: number }).master_id;
  });
  expect(new Set(created).size).toBe(200);

  const arrived = () =>
    cluster.h.db
      .selectFrom("packages")
      .select(["master_id", "fields"])
      .where("node_id", "=", output.id)
      .execute();
  await waitFor("200 results at the output node", async () => (await arrived()).length >= 200, {
    timeoutMs: 240_000,
    intervalMs: 500,
  });
  const results = await arrived();
  expect(results.length).toBe(200);
  expect(new Set(results.map((r) => r.master_id))).toEqual(new Set(created));
  const jobs = await cluster.h.db
    .selectFrom("jobs")
    .select(["state", (eb) => eb.fn.countAll<number>().as("n")])
    .where("node_id", "=", double.id)
    .groupBy("state")
    .execute();
  expect(jobs.map((j) => [j.state, Number(j.n)])).toEqual([["completed", 200]]);
}, 300_000);

test("each queued e-mail is delivered exactly once though two workers run", async () => {
  const addresses = Array.from({ length: 40 }, (_, i) => `once-${i}-${Date.now()}@example.com`);
  for (const to of addresses)
    await cluster.h.db.transaction().execute((trx) =>
      mail.enqueueEmail(trx, {
        to,
        template: "key_resumed",
        data: { projectId: 1, projectName: "Service", templateName: "Doubler" },
      }),
    );
  const delivered = () => receiver.messages.filter((m) => m.envelopeTo.some((a) => addresses.includes(a)));
  await waitFor("40 deliveries", () => delivered().length >= 40, { timeoutMs: 60_000 });
  await waitFor("the e-mail queue to drain", async () => (await pendingJobs(TASKS.sendEmail)) === 0, {
    timeoutMs: 30_000,
  });
  const perAddress = addresses.map((a) => receiver.to(a).length);
  expect(perAddress).toEqual(addresses.map(() => 1));
}, 120_000);

test("a key revoked through one API process is refused by the other within 1 s", async () => {
  const k = await projectWithKey(cluster.h, { templateName: "Revocable" });
  const [first, second] = cluster.apis as [ApiProcess, ApiProcess];
  const call = (api: ApiProcess) =>
    fetch(`${api.url}/api/projects/${k.project.id}/data_layers/last`, { headers: bearer(k.token) });
  for (const api of cluster.apis) expect((await call(api)).status).toBe(200);
  // the owner's internal tool revokes through the first process (a personal access token on /trpc)
  const { token: pat } = await k.owner.client.auth.createAccessToken.mutate({ name: "ops" });
  const res = await fetch(`${first.url}/trpc/apiKeys.revoke`, {
    method: "POST",
    headers: { ...bearer(pat), "content-type": "application/json" },
    body: JSON.stringify({ json: { keyId: k.keyId } }),
  });
  expect(res.status).toBe(200);
  // from the acknowledgement, which follows the commit
  const started = Date.now();
  expect((await call(first)).status).toBe(401);
  const ms = await waitFor(
    "the second process to refuse the key",
    async () => ((await call(second)).status === 401 ? Date.now() - started : undefined),
    { timeoutMs: 10_000, intervalMs: 20 },
  );
  console.log(`revocation through one API process refused by the other after ${ms} ms`);
  expect(ms).toBeLessThan(1000);
}, 60_000);

/** graphile-worker jobs of a task not yet completed (queued, running or waiting to retry). */
async function pendingJobs(task: string) {
  const r = await sql<{ n: number }>`
    select count(*)::int as n from graphile_worker._private_jobs j
    join graphile_worker._private_tasks t on t.id = j.task_id
    where t.identifier = ${task}`.execute(cluster.h.db);
  return r.rows[0]!.n;
}
