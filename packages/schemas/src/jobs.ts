import { z } from "zod";
import { id } from "./primitives";

/** Packages one job may produce. */
export const MAX_OUTPUTS_PER_JOB = 1000;
export const JOB_STATES = ["queued", "running", "completed", "failed", "timeout"] as const;

export const listJobsInput = z.object({ nodeId: id, dataLayerId: id.optional() });
export const jobIdInput = z.object({ jobId: id });
