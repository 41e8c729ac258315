import { type Db, type JobState, type JobsTable, type Selectable, sql } from "@keyflow/db";
import { jobIdInput, listJobsInput } from "@keyflow/schemas";
import type { z } from "zod";
import { loadAccess, loadNodeAccess } from "../access";
import { requireLayer, visibleLayers } from "../dataLayers";
import { CoreError, notFound } from "../errors";
import { pgBlobStore } from "../packages/blobStore";
import { insertPackage, type PackageFileRef } from "../packages/propagate";
import type { Principal } from "../principal";
import { withSavepoint } from "../savepoint";
import { parse } from "../validate";
import { jobOutputsSchema } from "./outputs";

export { JOB_LIMIT_ERROR, MAX_ACTIVE_JOBS_PER_PROJECT, queueJob } from "./queue";
export { type JobSecret, secretsForJob } from "./run";
export {
  INTERRUPTED_ERROR,
  LOST_AFTER_S,
  LOST_ERROR,
  RUNNING_GRACE_S,
  type SweepResult,
  sweepStaleJobs,
} from "./sweep";

export type JobRow = Selectable<JobsTable>;

/** The newest jobs `listJobs` returns. */
export const LIST_LIMIT = 100;

export interface JobView {
  id: number;
  nodeId: number;
  state: JobState;
  exitCode: number | null;
  packageId: number;
  dataLayerId: number;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** Run time; null until the job has both started and finished. */
  durationMs: number | null;
  /** Packages the job produced. */
  outputs: number;
  error: string | null;
}

export interface JobDetail extends JobView {
  /** stdout and stderr, merged, at most 1 MiB, secret values masked as `***` (best effort). */
  log: string;
  logTruncated: boolean;
}

const VIEW_COLUMNS = [
  "id",
  "node_id",
  "state",
  "exit_code",
  "package_id",
  "data_layer_id",
  "created_at",
  "started_at",
  "finished_at",
  "outputs",
  "error",
] as const;

function jobView(j: Omit<JobRow, "project_id" | "log" | "log_truncated">): JobView {
  return {
    id: j.id,
    nodeId: j.node_id,
    state: j.state,
    exitCode: j.exit_code,
    packageId: j.package_id,
    dataLayerId: j.data_layer_id,
    createdAt: j.created_at,
    startedAt: j.started_at,
    finishedAt: j.finished_at,
    durationMs:
      j.started_at && j.finished_at ? Math.max(0, j.finished_at.getTime() - j.started_at.getTime()) : null,
    outputs: j.outputs,
    error: j.error,
  };
}

/**
 * The node's jobs, newest first (at most {@link LIST_LIMIT}): `package_view` on the node, and
 * only in data layers the caller may read (one layer when `dataLayerId` is given).
 */
export async function listJobs(
  db: Db,
  principal: Principal,
  input: z.input<typeof listJobsInput>,
): Promise<JobView[]> {
  const data = parse(listJobsInput, input);
  const { access, node } = await loadNodeAccess(db, principal, data.nodeId);
  if (data.dataLayerId !== undefined) await requireLayer(db, access, data.dataLayerId, "read");
  access.requireOnNode("package_view", node.id);
  const layerIds =
    data.dataLayerId !== undefined ? [data.dataLayerId] : (await visibleLayers(db, access)).map((l) => l.id);
  if (layerIds.length === 0) return [];
  const rows = await db
    .selectFrom("jobs")
    .select(VIEW_COLUMNS)
    .where("node_id", "=", node.id)
    .where("data_layer_id", "in", layerIds)
    .orderBy("id", "desc")
    .limit(LIST_LIMIT)
    .execute();
  return rows.map(jobView);
}

/**
 * One job with its log. The log may show what the code printed, so it needs `code_view` on the
 * node; a job in a layer the caller may not read is NOT_FOUND, as if missing.
 */
export async function getJob(
  db: Db,
  principal: Principal,
  input: z.input<typeof jobIdInput>,
): Promise<JobDetail> {
  const { jobId } = parse(jobIdInput, input);
  const job = await db.selectFrom("jobs").selectAll().where("id", "=", jobId).executeTakeFirst();
  if (!job) throw notFound("Job");
  const access = await loadAccess(db, principal, job.project_id, "Job");
  await requireLayer(db, access, job.data_layer_id, "read", "Job");
  access.requireOnNode("code_view", job.node_id);
  return { ...jobView(job), log: job.log, logTruncated: job.log_truncated };
}

// ---------------------------------------------------------------------------------------------
// Used by the worker (no principal: the job was authorised when its package was created).

/** queued → running, once: null when the job is gone or was already claimed (a redelivery). */
export async function claimJob(db: Db, jobId: number): Promise<JobRow | null> {
  const row = await db
    .updateTable("jobs")
    .set({ state: "running", started_at: sql<Date>`now()` })
    .where("id", "=", jobId)
    .where("state", "=", "queued")
    .returningAll()
    .executeTakeFirst();
  return row ?? null;
}

export interface JobRunInput {
  node: {
    id: number;
    kind: "data" | "compute";
    runtime: "node" | "python" | null;
    entry: string | null;
    timeoutS: number;
    params: Record<string, unknown>;
  };
  files: { path: string; content: Buffer; executable: boolean }[];
  package: {
    id: number;
    label: string;
    fields: Record<string, unknown>;
    masterId: number;
    files: { name: string; bytes: Buffer; executable: boolean }[];
  };
}

/** What a claimed job runs on: the node's code and the input package with its file bytes; null when gone. */
export async function loadJobRunInput(db: Db, job: JobRow): Promise<JobRunInput | null> {
  const [node, files, pkg, pkgFiles] = await Promise.all([
    // a deleted project's jobs do not run (its rows stay until the project is purged)
    db
      .selectFrom("nodes as n")
      .innerJoin("projects as p", "p.id", "n.project_id")
      .select(["n.id", "n.kind", "n.runtime", "n.entry", "n.timeout_s", "n.params"])
      .where("n.id", "=", job.node_id)
      .where("p.deleted_at", "is", null)
      .executeTakeFirst(),
    db
      .selectFrom("node_files")
      .select(["path", "content", "executable"])
      .where("node_id", "=", job.node_id)
      .orderBy("path")
      .execute(),
    db
      .selectFrom("packages")
      .select(["id", "label", "fields", "master_id"])
      .where("id", "=", job.package_id)
      .executeTakeFirst(),
    db
      .selectFrom("package_files")
      .select(["name", "blob_hash", "is_executable"])
      .where("package_id", "=", job.package_id)
      .orderBy("name")
      .execute(),
  ]);
  if (!node || !pkg) return null;
  const store = pgBlobStore(db);
  const bytes = await Promise.all(pkgFiles.map((f) => store.get(f.blob_hash)));
  return {
    node: {
      id: node.id,
      kind: node.kind,
      runtime: node.runtime,
      entry: node.entry,
      timeoutS: node.timeout_s,
      params: node.params,
    },
    files: files.map((f) => ({ path: f.path, content: f.content, executable: f.executable })),
    package: {
      id: pkg.id,
      label: pkg.label,
      fields: pkg.fields,
      masterId: pkg.master_id,
      files: pkgFiles.map((f, i) => ({
        name: f.name,
        bytes: bytes[i] ?? Buffer.alloc(0),
        executable: f.is_executable,
      })),
    },
  };
}

export interface JobOutput {
  label: string;
  fields: Record<string, unknown>;
  files: { name: string; bytes: Buffer; executable?: boolean }[];
}

export interface JobFinish {
  state: Extract<JobState, "completed" | "failed" | "timeout">;
  exitCode: number | null;
  log: string;
  logTruncated: boolean;
  error?: string | null;
  /** Stored as packages of the node only when the job completed. */
  outputs?: JobOutput[];
}

/**
 * Finishes a running job in one transaction: each output becomes a package in the node (same
 * master as the input, which is its parent) and is pushed along the node's links; then the row
 * gets its state, exit code, log and timings. Outputs that break the package limits (or the
 * lineage caps) store nothing and turn the job `failed` with the reason. Returns the final row,
 * or null when the job is gone (its node or package was deleted meanwhile) or not running.
 */
export async function finishJob(db: Db, jobId: number, result: JobFinish): Promise<JobRow | null> {
  return db.transaction().execute(async (trx) => {
    const job = await trx
      .selectFrom("jobs as j")
      .innerJoin("packages as p", "p.id", "j.package_id")
      .select(["j.id", "j.node_id", "j.data_layer_id", "j.package_id", "p.created_by"])
      .where("j.id", "=", jobId)
      .where("j.state", "=", "running")
      .forUpdate("j")
      .executeTakeFirst();
    if (!job) return null;

    let state = result.state;
    let error = result.error ?? null;
    let outputs = 0;
    if (state === "completed" && result.outputs && result.outputs.length > 0) {
      const stored = await withSavepoint(trx, async (sp) => {
        const { outputs: outs } = parse(jobOutputsSchema, { outputs: result.outputs });
        const store = pgBlobStore(sp);
        for (const out of outs) {
          const files: PackageFileRef[] = [];
          for (const f of out.files)
            files.push({
              name: f.name,
              blobHash: await store.put(f.bytes),
              type: "file",
              isExecutable: f.executable ?? false,
              size: f.bytes.byteLength,
            });
          await insertPackage(sp, {
            origin: "job",
            parentId: job.package_id,
            nodeId: job.node_id,
            dataLayerId: job.data_layer_id,
            label: out.label,
            fields: out.fields,
            files,
            createdBy: job.created_by,
          });
        }
        return outs.length;
      });
      if (stored.ok) outputs = stored.value;
      else {
        if (!(stored.error instanceof CoreError)) throw stored.error;
        state = "failed";
        error = stored.error.message; // e.g. "outputs.0.label: must be at most 1 KiB"
      }
    }
    return (
      (await trx
        .updateTable("jobs")
        .set({
          state,
          exit_code: result.exitCode,
          // PostgreSQL text cannot hold NUL
          log: result.log.replaceAll("\0", "\uFFFD"),
          log_truncated: result.logTruncated,
          error,
          outputs,
          finished_at: sql<Date>`now()`,
        })
        .where("id", "=", job.id)
        .returningAll()
        .executeTakeFirst()) ?? null
    );
  });
}
