import { TASKS, type TaskName } from "@keyflow/schemas";
import type { Task } from "graphile-worker";
import { type NotifyExpiryDeps, notifyExpiry } from "./notify_expiry";
import { type RollupUsageDeps, rollupUsage } from "./rollup_usage";
import { type RunNodeJobDeps, runNodeJob } from "./run_node_job";
import { type SendEmailDeps, sendEmail } from "./send_email";
import { type SweepJobsDeps, sweepJobs } from "./sweep_jobs";

export type TaskDeps = SendEmailDeps & RollupUsageDeps & RunNodeJobDeps & SweepJobsDeps & NotifyExpiryDeps;

/** Every task the worker runs, keyed by the name jobs are queued under (a missing one fails to compile). */
export function taskList(deps: TaskDeps): { [K in TaskName]: Task<K> } {
  return {
    [TASKS.sendEmail]: sendEmail(deps),
    [TASKS.rollupUsage]: rollupUsage(deps),
    [TASKS.runNodeJob]: runNodeJob(deps),
    [TASKS.sweepJobs]: sweepJobs(deps),
    [TASKS.notifyExpiry]: notifyExpiry(deps),
  };
}
