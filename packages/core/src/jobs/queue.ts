import type { Database, Transaction } from "@keyflow/db";
import { TASKS } from "@keyflow/schemas";
import { addJob } from "../tasks";

/** The graphile-worker job key of a node job: `job:<jobs.id>` (the sweep looks jobs up by it). */
export const JOB_KEY_PREFIX = "job:";

/**
 * Unfinished (queued + running) jobs a project may have. A package arriving beyond it still gets
 * its jobs row, created as `failed` with error {@link JOB_LIMIT_ERROR}, so the refusal is visible
 * in the node's Jobs tab and the package never runs later by surprise (SPEC §11 "Graph bounds").
 * The count is read without a lock, so concurrent transactions may overshoot it by a few jobs.
 */
export const MAX_ACTIVE_JOBS_PER_PROJECT = 1000;
export const JOB_LIMIT_ERROR = "project job limit reached";

export interface QueuedJob {
  id: number;
  state: "queued" | "failed";
}

/**
 * Called (through `onPackageArrived`) in the transaction that puts `pkg` into a compute node:
 * inserts the node's jobs row for the package and queues the graphile-worker job. Run-once comes
 * from UNIQUE(node_id, package_id): a second delivery of the same package inserts nothing and
 * queues nothing. `add_job` inside the transaction runs only after commit, never after rollback.
 * Returns null when the node is switched off in the package's layer or the job already exists.
 */
export async function queueJob(
  trx: Transaction<Database>,
  pkg: { id: number; project_id: number; data_layer_id: number },
  nodeId: number,
  limit = MAX_ACTIVE_JOBS_PER_PROJECT,
): Promise<QueuedJob | null> {
  const state = await trx
    .selectFrom("node_layer_state")
    .select("active")
    .where("node_id", "=", nodeId)
    .where("data_layer_id", "=", pkg.data_layer_id)
    .executeTakeFirst();
  if (state && !state.active) return null; // no row: active (the default)

  const active = await trx
    .selectFrom("jobs")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("project_id", "=", pkg.project_id)
    .where("state", "in", ["queued", "running"])
    .executeTakeFirstOrThrow();
  const overLimit = Number(active.n) >= limit;

  const job = await trx
    .insertInto("jobs")
    .values({
      project_id: pkg.project_id,
      node_id: nodeId,
      package_id: pkg.id,
      data_layer_id: pkg.data_layer_id,
      state: overLimit ? "failed" : "queued",
      ...(overLimit && { error: JOB_LIMIT_ERROR, finished_at: new Date() }),
    })
    .onConflict((oc) => oc.columns(["node_id", "package_id"]).doNothing())
    .returning(["id", "state"])
    .executeTakeFirst();
  if (!job) return null;
  if (job.state === "queued") {
    await addJob(trx, TASKS.runNodeJob, { jobId: job.id }, { jobKey: JOB_KEY_PREFIX + job.id });
  }
  return { id: job.id, state: job.state as QueuedJob["state"] };
}
