/**
 * `npm run bench`: requests/s and latency of the key-authenticated data plane against a bare route,
 * all on one running API process with an embedded database, measured in the same run.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { apiKeys, auth, graph, Keyring, projects, roles, userPrincipal } from "@keyflow/core";
import { createDb, createPool, migrate } from "@keyflow/db";
import { startEmbeddedPostgres } from "@keyflow/db/embedded";
import autocannon from "autocannon";
import { startApiProcess } from "../test/processes";

const SECRET = "bench-master-secret-0123456789";
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);

async function seed(databaseUrl: string) {
  const pool = createPool(databaseUrl);
  await migrate(pool);
  const db = createDb(pool);
  const owner = await auth.signUp(db, {
    email: "owner@bench.local",
    password: "bench password",
    name: "Owner",
  });
  const holder = await auth.signUp(db, {
    email: "holder@bench.local",
    password: "bench password",
    name: "Holder",
  });
  const as = userPrincipal(owner.id);
  const project = await projects.createProject(db, as, { name: "Bench service", isPublic: true });
  const role = await roles.createRole(db, as, {
    projectId: project.id,
    name: "Client",
    permissions: { project: ["project_view", "package_view", "package_create"], nodes: {} },
  });
  const input = await graph.createNode(db, as, { projectId: project.id, name: "input", kind: "data" });
  const output = await graph.createNode(db, as, { projectId: project.id, name: "output", kind: "data" });
  await graph.createLink(db, as, { projectId: project.id, fromNodeId: input.id, toNodeId: output.id });
  const template = await apiKeys.createTemplate(db, as, {
    projectId: project.id,
    name: "Bench",
    roleId: role.id,
  });
  await apiKeys.updateTemplate(db, as, { templateId: template.id, pricePerRequest: "0.01" });
  const request = await apiKeys.requestKey(db, userPrincipal(holder.id), { templateId: template.id });
  const keyring = new Keyring(SECRET);
  const { keyId } = await apiKeys.approveRequest(db, as, { requestId: request.id }, keyring);
  const { token } = await apiKeys.revealKey(db, userPrincipal(holder.id), { keyId }, keyring);
  return { db, pool, projectId: project.id, inputId: input.id, token };
}

interface Result {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
}

async function measure(name: string, opts: autocannon.Options): Promise<Result> {
  // a short warm-up fills caches and JIT before the measured run
  await autocannon({ ...opts, duration: 2 });
  const r = await autocannon({ ...opts, duration: DURATION_S, connections: CONNECTIONS });
  return { name, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx };
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyflow-bench-"));
  const pg = await startEmbeddedPostgres({ dir });
  try {
    const databaseUrl = pg.url("postgres");
    const s = await seed(databaseUrl);
    const api = await startApiProcess({ databaseUrl, secret: SECRET });
    try {
      const headers = { authorization: `Bearer ${s.token}`, "content-type": "application/json" };
      const results = [
        await measure("(a) bare Hono route GET /healthz", { url: `${api.url}/healthz` }),
        await measure("(b) GET /api/projects/{p}/data_layers/last with a key", {
          url: `${api.url}/api/projects/${s.projectId}/data_layers/last`,
          headers,
        }),
        await measure("(c) POST /api/projects/{p}/nodes/{n}/packages with a key", {
          url: `${api.url}/api/projects/${s.projectId}/nodes/${s.inputId}/packages`,
          method: "POST",
          headers,
          body: JSON.stringify({ label: "bench", fields: { x: 21 } }),
        }),
      ];
      const base = results[0]!;
      console.log(
        `\nKeyflow bench: ${CONNECTIONS} connections, ${DURATION_S} s each, ${os.cpus().length} cores\n`,
      );
      console.log(
        "route".padEnd(62),
        "req/s".padStart(9),
        "p50 ms".padStart(8),
        "p99 ms".padStart(8),
        "non-2xx".padStart(8),
      );
      for (const r of results) {
        console.log(
          r.name.padEnd(62),
          r.rps.toFixed(0).padStart(9),
          String(r.p50).padStart(8),
          String(r.p99).padStart(8),
          String(r.non2xx).padStart(8),
        );
      }
      console.log(`\n(b)/(a) throughput ratio: ${(results[1]!.rps / base.rps).toFixed(3)}`);
      console.log(`(c)/(a) throughput ratio: ${(results[2]!.rps / base.rps).toFixed(3)}`);
      const usage = await s.db
        .selectFrom("usage_events")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      console.log(`usage events recorded for the key: ${usage.n}`);
    } finally {
      await api.stop();
      await s.db.destroy();
    }
  } finally {
    await pg.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
