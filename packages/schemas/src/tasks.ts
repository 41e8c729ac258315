import { z } from "zod";
import { id } from "./primitives";

/**
 * The graphile-worker tasks: their names and payloads, shared by the code that queues them (core)
 * and the worker that runs them. A task name is never written as a bare string elsewhere.
 */
export const TASKS = {
  sendEmail: "send_email",
  runNodeJob: "run_node_job",
  rollupUsage: "rollup_usage",
  sweepJobs: "sweep_jobs",
  notifyExpiry: "notify_expiry",
} as const;
export type TaskName = (typeof TASKS)[keyof typeof TASKS];

// One plain address, nothing a header parser could read as a list or a display name.
const EMAIL_ADDRESS = /^[^\s@<>,;:"()[\]\\]+@[^\s@<>,;:"()[\]\\]+$/;

/** Payload guards: a malformed job is dropped with a log line (retrying cannot fix it). */
export const taskPayloads = {
  send_email: z.object({
    to: z.string().regex(EMAIL_ADDRESS),
    template: z.string().min(1),
    data: z.record(z.string(), z.unknown()),
  }),
  run_node_job: z.object({ jobId: id }),
  // cron tasks: graphile-worker passes its own `_cron` details, which they ignore
  rollup_usage: z.unknown(),
  sweep_jobs: z.unknown(),
  notify_expiry: z.unknown(),
} satisfies Record<TaskName, z.ZodType>;
export type TaskPayload<K extends TaskName> = z.output<(typeof taskPayloads)[K]>;

/** Attempts per task: an e-mail retries with backoff, a node job never (the user re-runs it). */
export const TASK_MAX_ATTEMPTS = { send_email: 10, run_node_job: 1 } as const;
