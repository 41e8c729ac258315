import type { TaskList } from "graphile-worker";
import { type RollupUsageDeps, rollupUsage } from "./rollup_usage";
import { type RunNodeJobDeps, runNodeJob } from "./run_node_job";
import { type SendEmailDeps, sendEmail } from "./send_email";
import { type SweepJobsDeps, sweepJobs } from "./sweep_jobs";

export type TaskDeps = SendEmailDeps & RollupUsageDeps & RunNodeJobDeps & SweepJobsDeps;

/** Every task the worker runs, keyed by the name jobs are queued under. */
export function taskList(deps: TaskDeps): TaskList {
  return {
    send_email: sendEmail(deps),
    rollup_usage: rollupUsage(deps),
    run_node_job: runNodeJob(deps),
    sweep_jobs: sweepJobs(deps),
  };
}
