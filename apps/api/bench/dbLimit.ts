import type pg from "pg";

export interface LoopResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/**
 * What autocannon does for HTTP, for any async operation: `connections` workers each run `op`
 * back to back for `durationS` seconds; throughput and latency percentiles (ms) over all calls.
 */
export async function loop(connections: number, durationS: number, op: () => Promise<unknown>) {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const end = started + durationS * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        try {
          await op();
          latencies.push(performance.now() - t);
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsedS = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    requests: latencies.length,
    rps: latencies.length / elapsedS,
    p50: at(0.5),
    p99: at(0.99),
    errors,
  } satisfies LoopResult;
}

/**
 * The writes of one `POST .../packages` (core's insertPackage for an external package on a node
 * with one push link): the package, its own master (id taken first), and its pushed copy in the
 * linked node — here in one statement, so one round trip and one transaction: the database's own
 * limit for those rows, without the product's checks.
 */
const INSERT_PACKAGE_AND_COPY = `
  with n as (select nextval('packages_id_seq')::int as id),
  m as (
    insert into packages (id, project_id, node_id, data_layer_id, label, fields, master_id,
      parent_id, origin, node_path, created_by)
    select n.id, $1, $2, $3, $4, $5::jsonb, n.id, null, 'external', array[$2::int], $6 from n
    returning *)
  insert into packages (project_id, node_id, data_layer_id, label, fields, master_id,
    parent_id, origin, node_path, created_by)
  select m.project_id, $7, m.data_layer_id, m.label, m.fields, m.master_id, m.id, 'push',
    m.node_path || $7::int, m.created_by
  from m
  on conflict (node_id, data_layer_id, parent_id) where origin = 'push' do nothing
  returning id`;

export function insertPackageRows(
  pool: pg.Pool,
  row: { projectId: number; nodeId: number; toNodeId: number; dataLayerId: number; userId: number },
) {
  const fields = JSON.stringify({ x: 21 });
  return () =>
    pool.query({
      name: "bench_insert_package_and_copy",
      text: INSERT_PACKAGE_AND_COPY,
      values: [row.projectId, row.nodeId, row.dataLayerId, "bench", fields, row.userId, row.toNodeId],
    });
}
