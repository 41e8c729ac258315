import { jobs, type Keyring } from "@keyflow/core";
import type { Db } from "@keyflow/db";
import { secretEnvName, TASKS } from "@keyflow/schemas";
import { defineTask } from "../defineTask";
import type { Executor, JobResult, JobSpec } from "../executor/index";
import { logger } from "../logger";

export interface RunNodeJobDeps {
  db: Db;
  /** APP_URL: what job code reaches the REST API at (`RNDFLOW_API_SERVER`). */
  appUrl: string;
  executor: Executor;
  /** Decrypts the node's granted secrets; without it a node with secrets cannot run. */
  keyring?: Keyring;
}

/**
 * `run_node_job`: runs one queued job (core queued it with max_attempts 1 in the package's
 * transaction). Claiming is a conditional update, so a redelivered or re-added graphile job finds
 * the row no longer `queued` and does nothing. The outcome is always written to the jobs row;
 * the task itself never throws, since a failed job is final (the user re-runs it).
 */
export function runNodeJob(deps: RunNodeJobDeps) {
  return defineTask(TASKS.runNodeJob, async ({ jobId }, helpers) => {
    const job = await jobs.claimJob(deps.db, jobId);
    if (!job) {
      logger.info({ jobId }, "run_node_job: job gone or already claimed, nothing to do");
      return;
    }
    const started = Date.now();
    let finish: jobs.JobFinish;
    try {
      finish = await execute(deps, job, helpers.abortSignal);
    } catch (e) {
      logger.error({ jobId, err: (e as Error).message }, "run_node_job: could not run the job");
      finish = {
        state: "failed",
        exitCode: null,
        log: "",
        logTruncated: false,
        error: "the worker could not run this job (see the worker's log)",
      };
    }
    try {
      const row = await jobs.finishJob(deps.db, job.id, finish);
      logger.info(
        {
          jobId,
          nodeId: job.node_id,
          state: row?.state ?? "gone",
          outputs: row?.outputs,
          ms: Date.now() - started,
        },
        "run_node_job: finished",
      );
    } catch (e) {
      logger.error({ jobId, err: (e as Error).message }, "run_node_job: could not record the result");
      await jobs
        .finishJob(deps.db, job.id, {
          ...finish,
          state: "failed",
          outputs: [],
          error: "could not store the outputs",
        })
        .catch(() => {});
    }
  });
}

async function execute(deps: RunNodeJobDeps, job: jobs.JobRow, signal: AbortSignal): Promise<jobs.JobFinish> {
  const fail = (error: string): jobs.JobFinish => ({
    state: "failed",
    exitCode: null,
    log: "",
    logTruncated: false,
    error,
  });
  const input = await jobs.loadJobRunInput(deps.db, job);
  if (!input) return fail("the project, the node or the input package is gone");
  const { node } = input;
  if (node.kind !== "compute" || !node.runtime || !node.entry)
    return fail("the node has no runtime or entry file (it is not a compute node)");

  let granted: jobs.JobSecret[] | null;
  try {
    granted = await jobs.secretsForJob(deps.db, deps.keyring, node.id);
  } catch (e) {
    logger.error({ jobId: job.id, err: (e as Error).message }, "run_node_job: secrets unavailable");
    return fail("the node's secrets cannot be decrypted by this worker");
  }
  if (!granted)
    return fail("this worker was started without KEYFLOW_SECRET, so it cannot give the node its secrets");
  const env: Record<string, string> = { RNDFLOW_API_SERVER: deps.appUrl, RNDFLOW_REFRESH_TOKEN: "" };
  for (const s of granted) env[secretEnvName(s.name)] = s.value;

  const spec: JobSpec = {
    jobId: job.id,
    runtime: node.runtime,
    entry: node.entry,
    files: input.files,
    params: node.params,
    input: {
      packageId: input.package.id,
      label: input.package.label,
      fields: input.package.fields,
      files: input.package.files,
    },
    env,
    timeoutMs: node.timeoutS * 1000,
    maskValues: granted.map((s) => s.value),
  };
  return toFinish(await deps.executor.run(spec, { signal }), node.timeoutS);
}

function toFinish(r: JobResult, timeoutS: number): jobs.JobFinish {
  const base = { exitCode: r.exitCode, log: r.log, logTruncated: r.logTruncated };
  if (r.timedOut) return { ...base, state: "timeout", error: `timed out after ${timeoutS} s` };
  if (r.error) return { ...base, state: "failed", error: r.error };
  if (r.exitCode !== 0)
    return {
      ...base,
      state: "failed",
      error:
        r.exitCode === null ? "killed by a signal (a resource limit?)" : `exited with code ${r.exitCode}`,
    };
  return { ...base, state: "completed", outputs: r.outputs };
}
