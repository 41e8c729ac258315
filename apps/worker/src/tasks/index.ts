import type { TaskList } from "graphile-worker";
import { type SendEmailDeps, sendEmail } from "./send_email";

export type TaskDeps = SendEmailDeps;

/** Every task the worker runs, keyed by the name jobs are queued under. */
export function taskList(deps: TaskDeps): TaskList {
  return { send_email: sendEmail(deps) };
}
