/**
 * `npm run bench`: throughput and latency of the key-authenticated data plane against a bare route
 * and against PostgreSQL's own limit for the same writes, in one run on one machine (issue 8):
 *   (a) bare Hono route            GET  /healthz
 *   (b) a key's read               GET  /api/projects/{p}/data_layers/last
 *   (c) a key's write              POST /api/projects/{p}/nodes/{input}/packages (pushed on to "output")
 *   (d) the database's limit for (c)'s rows: a pg pool at the same concurrency inserting the
 *       package and its pushed copy into the product's own `packages` table, one transaction each
 *   (e) a key's search             POST /api/projects/{p}/nodes/{output}/packages/search {master_id}
 *       (the RnDFlow client polls it while it waits for a result)
 * each at 10 and at 64 connections, in rounds: every round measures all five one after another
 * ((c) and (d), then (a), (b) and (e) back to back), and the figures are each route's median
 * round, the ratios the median of the rounds' own ratios (the host's speed drifts by up to 2×
 * within minutes, and a ratio within one round sees one speed).
 * Environment:
 *   BENCH_SECONDS=4        measured seconds per route and round (after a 2 s warm-up)
 *   BENCH_ROUNDS=5         rounds per concurrency
 *   BENCH_CONNECTIONS=32   run at this concurrency only
 *   BENCH_PROFILE=1        instead: profile (a), (b), (c) and (e), each in its own API process run with
 *                          `node --cpu-prof`, and print the top functions by self time
 *   BENCH_SOAK_MINUTES=10  instead: (b), (c) and (e) together for that long against one API process,
 *                          printing its resident memory (RSS) every minute (memory stays bounded)
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { apiKeys, auth, graph, Keyring, projects, roles, userPrincipal } from "@keyflow/core";
import { createDb, createPool, migrate, sql } from "@keyflow/db";
import { startEmbeddedPostgres } from "@keyflow/db/embedded";
import autocannon from "autocannon";
import { bundleService } from "../../../scripts/bundle";
import { startBenchApi } from "./api";
import { CpuMeter } from "./cpu";
import { insertPackageRows, type LoopResult, loop } from "./dbLimit";
import { mainThreadProfile, topFunctions } from "./profile";

const SECRET = "bench-master-secret-0123456789";
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 4);
const WARMUP_S = 2;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
// a fresh API process is slower at first (in one trial (b) ran at 18 600 req/s in its first measured
// run, 29 800–30 000 in the next two): each HTTP route is run this long once before anything counts
const FIRST_WARMUP_S = 5;
const CONCURRENCIES = process.env.BENCH_CONNECTIONS ? [Number(process.env.BENCH_CONNECTIONS)] : [10, 64];
const PROFILE = process.env.BENCH_PROFILE === "1";
const SOAK_MINUTES = Number(process.env.BENCH_SOAK_MINUTES ?? 0);

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
  const key = await db
    .selectFrom("api_keys")
    .select("data_layer_id")
    .where("id", "=", keyId)
    .executeTakeFirstOrThrow();
  return {
    db,
    pool,
    projectId: project.id,
    inputId: input.id,
    outputId: output.id,
    dataLayerId: key.data_layer_id,
    holderId: holder.id,
    token,
  };
}
type Seed = Awaited<ReturnType<typeof seed>>;

interface Result extends LoopResult {
  name: string;
  /** µs of CPU per request: the API process, PostgreSQL, and this process (load generator or pool) */
  cpu: ReturnType<CpuMeter["end"]>;
}

/** The HTTP routes, as autocannon options; `masterId` is a package the search looks for. */
function routes(url: string, s: Seed, masterId: number) {
  const headers = { authorization: `Bearer ${s.token}`, "content-type": "application/json" };
  const p = `${url}/api/projects/${s.projectId}`;
  return {
    a: { name: "(a) bare Hono route GET /healthz", opts: { url: `${url}/healthz` } },
    b: { name: "(b) GET data_layers/last with a key", opts: { url: `${p}/data_layers/last`, headers } },
    c: {
      name: "(c) POST nodes/{n}/packages with a key",
      opts: {
        url: `${p}/nodes/${s.inputId}/packages`,
        method: "POST" as const,
        headers,
        body: JSON.stringify({ label: "bench", fields: { x: 21 } }),
      },
    },
    e: {
      name: "(e) POST nodes/{n}/packages/search, master_id",
      opts: {
        url: `${p}/nodes/${s.outputId}/packages/search`,
        method: "POST" as const,
        headers,
        body: JSON.stringify({ master_id: masterId }),
      },
    },
  } satisfies Record<string, { name: string; opts: autocannon.Options }>;
}

async function http(
  name: string,
  opts: autocannon.Options,
  connections: number,
  cpu: CpuMeter,
): Promise<Result> {
  // a short warm-up fills caches and JIT before the measured run
  await autocannon({ ...opts, connections, duration: WARMUP_S });
  cpu.begin();
  const r = await autocannon({ ...opts, connections, duration: DURATION_S });
  return {
    name,
    cpu: cpu.end(r.requests.total),
    requests: r.requests.total,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.non2xx + r.errors,
  };
}

async function dbLimit(s: Seed, databaseUrl: string, connections: number, cpu: CpuMeter): Promise<Result> {
  const pool = createPool(databaseUrl, { max: connections });
  try {
    const op = insertPackageRows(pool, {
      projectId: s.projectId,
      nodeId: s.inputId,
      toNodeId: s.outputId,
      dataLayerId: s.dataLayerId,
      userId: s.holderId,
    });
    await loop(connections, WARMUP_S, op);
    cpu.begin();
    const result = await loop(connections, DURATION_S, op);
    return {
      name: "(d) PostgreSQL alone: (c)'s two rows, pg pool",
      cpu: cpu.end(result.requests),
      ...result,
    };
  } finally {
    await pool.end();
  }
}

/** A package in the input node (pushed to the output node): the lineage (e) polls for. */
async function createMaster(url: string, s: Seed): Promise<number> {
  const res = await fetch(`${url}/api/projects/${s.projectId}/nodes/${s.inputId}/packages`, {
    method: "POST",
    headers: { authorization: `Bearer ${s.token}`, "content-type": "application/json" },
    body: JSON.stringify({ label: "polled", fields: { x: 1 } }),
  });
  if (res.status !== 200) throw new Error(`creating the polled package: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { master_id: number }).master_id;
}

/** The median of numbers (the lower middle one of an even count). */
function median(xs: number[]): number {
  const sorted = [...xs].sort((x, y) => x - y);
  return sorted[(sorted.length - 1) >> 1]!;
}

/** `rounds[i][k]`: route k of round i. Each route's median round, then the ratios round by round. */
function print(connections: number, rounds: Result[][]) {
  console.log(
    `\n${connections} connections, ${rounds.length} rounds of ${DURATION_S} s each, ${os.cpus().length} cores`,
  );
  console.log(
    "route (its median round)".padEnd(50),
    "req/s".padStart(9),
    "p50 ms".padStart(8),
    "p99 ms".padStart(8),
    "errors".padStart(7),
    "  CPU µs/request: API".padStart(22),
    "PostgreSQL".padStart(11),
    "client".padStart(7),
    "  req/s by round",
  );
  for (const k of rounds[0]!.keys()) {
    const runs = rounds.map((round) => round[k]!);
    const mid = median(runs.map((r) => r.rps));
    const r = runs.find((run) => run.rps === mid)!;
    console.log(
      r.name.padEnd(50),
      r.rps.toFixed(0).padStart(9),
      r.p50.toFixed(1).padStart(8),
      r.p99.toFixed(1).padStart(8),
      String(runs.reduce((sum, run) => sum + run.errors, 0)).padStart(7),
      (r.cpu.api?.toFixed(0) ?? "–").padStart(22),
      r.cpu.pg.toFixed(0).padStart(11),
      r.cpu.client.toFixed(0).padStart(7),
      `  ${runs.map((run) => run.rps.toFixed(0)).join(" / ")}`,
    );
  }
  // routes in a round: a, b, c, d, e
  const ratio = (x: number, y: number, target: number) => {
    const each = rounds.map((round) => round[x]!.rps / round[y]!.rps);
    const range = `${Math.min(...each).toFixed(2)}–${Math.max(...each).toFixed(2)}`;
    return `${median(each).toFixed(3)} (rounds ${range}; target ≥ ${target})`;
  };
  console.log(
    `ratios: (b)/(a) ${ratio(1, 0, 0.5)}   (e)/(a) ${ratio(4, 0, 0.25)}   (c)/(d) ${ratio(2, 3, 0.8)}`,
  );
}

async function bench(s: Seed, databaseUrl: string, dir: string) {
  const api = await startBenchApi({ databaseUrl, secret: SECRET });
  const cpu = new CpuMeter(api.pid, dir);
  // (d) has no API process: its client is this process's pool
  const dbCpu = new CpuMeter(null, dir);
  try {
    const masterId = await createMaster(api.url, s);
    const r = routes(api.url, s, masterId);
    for (const route of [r.a, r.b, r.c, r.e])
      await autocannon({ ...route.opts, connections: CONCURRENCIES[0], duration: FIRST_WARMUP_S });
    for (const n of CONCURRENCIES) {
      const rounds: Result[][] = [];
      for (let i = 0; i < ROUNDS; i++) {
        // the writes first, then the three reads back to back, so each read ratio compares runs
        // seconds apart
        const c = await http(r.c.name, r.c.opts, n, cpu);
        const d = await dbLimit(s, databaseUrl, n, dbCpu);
        // (c) and (d) grow the table faster than autovacuum looks: give the planner the statistics
        // a table in service has, or it scans the node's index for the master
        await sql`analyze packages`.execute(s.db);
        const a = await http(r.a.name, r.a.opts, n, cpu);
        const b = await http(r.b.name, r.b.opts, n, cpu);
        const e = await http(r.e.name, r.e.opts, n, cpu);
        rounds.push([a, b, c, d, e]);
      }
      print(n, rounds);
    }
  } finally {
    await api.stop();
  }
}

/** Each key route in its own `node --cpu-prof` API process under load; the top functions by self time. */
async function profile(s: Seed, databaseUrl: string, dir: string) {
  const n = CONCURRENCIES[0]!;
  for (const id of ["a", "b", "c", "e"] as const) {
    // as in the bench: statistics for the search once (c) grew the table. Not before (c): taken on
    // a nearly empty table they make PostgreSQL's cached foreign-key checks scan `packages`
    // whole, and every write then costs more the more it grew
    if (id === "e") await sql`analyze packages`.execute(s.db);
    const profDir = path.join(dir, `profile-${id}`);
    const api = await startBenchApi({ databaseUrl, secret: SECRET }, [
      "--cpu-prof",
      `--cpu-prof-dir=${profDir}`,
    ]);
    let result: Result;
    try {
      const route = routes(api.url, s, await createMaster(api.url, s))[id];
      result = await http(route.name, route.opts, n, new CpuMeter(api.pid, dir));
    } finally {
      await api.stop();
    }
    const file = mainThreadProfile(profDir);
    const kept = path.join(os.tmpdir(), `keyflow-bench-${id}.cpuprofile`);
    fs.copyFileSync(file, kept);
    console.log(
      `\n${result.name}: ${result.rps.toFixed(0)} req/s at ${n} connections under --cpu-prof, ` +
        `CPU per request: API ${result.cpu.api?.toFixed(0)} µs, PostgreSQL ${result.cpu.pg.toFixed(0)} µs ` +
        `(profile: ${kept})`,
    );
    console.log(topFunctions(file, 25, WARMUP_S + DURATION_S).join("\n"));
  }
}

/** The resident set of a process, in MiB (Linux). */
function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

/** Reads, writes and searches at once for SOAK_MINUTES, RSS sampled every minute. */
async function soak(s: Seed, databaseUrl: string) {
  const api = await startBenchApi({ databaseUrl, secret: SECRET });
  try {
    const r = routes(api.url, s, await createMaster(api.url, s));
    const samples: string[] = [`start ${rssMiB(api.pid).toFixed(0)} MiB`];
    console.log(`soak: ${SOAK_MINUTES} min of (b), (c) and (e), 8 connections each; RSS ${samples[0]}`);
    const duration = SOAK_MINUTES * 60;
    const sampler = setInterval(() => {
      const line = `${samples.length} min ${rssMiB(api.pid).toFixed(0)} MiB`;
      samples.push(line);
      console.log(`  ${line}`);
    }, 60_000);
    const runs = await Promise.all(
      [r.b, r.c, r.e].map((route) => autocannon({ ...route.opts, connections: 8, duration })),
    ).finally(() => clearInterval(sampler));
    for (const [i, route] of [r.b, r.c, r.e].entries()) {
      const run = runs[i]!;
      console.log(
        `${route.name}: ${run.requests.average.toFixed(0)} req/s, p99 ${run.latency.p99} ms, ${run.non2xx + run.errors} errors`,
      );
    }
    console.log(`RSS: ${samples[0]} → end ${rssMiB(api.pid).toFixed(0)} MiB`);
  } finally {
    await api.stop();
  }
}

async function main() {
  await bundleService("apps/api");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyflow-bench-"));
  const pg = await startEmbeddedPostgres({ dir });
  try {
    const databaseUrl = pg.url("postgres");
    const s = await seed(databaseUrl);
    try {
      if (PROFILE) await profile(s, databaseUrl, dir);
      else if (SOAK_MINUTES > 0) await soak(s, databaseUrl);
      else await bench(s, databaseUrl, dir);
      const usage = await s.db
        .selectFrom("usage_events")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      console.log(`\nusage events recorded for the key: ${usage.n}`);
    } finally {
      await s.db.destroy();
    }
  } finally {
    await pg.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
