import { jobs } from "@keyflow/core";
import { jobIdInput, listJobsInput } from "@keyflow/schemas";
import { publicProcedure, router } from "../init";

/** A compute node's jobs (the Jobs tab): list needs `package_view`, a job's log `code_view`. */
export const jobsRouter = router({
  list: publicProcedure
    .input(listJobsInput)
    .query(({ ctx, input }) => jobs.listJobs(ctx.db, ctx.principal, input)),
  get: publicProcedure.input(jobIdInput).query(({ ctx, input }) => jobs.getJob(ctx.db, ctx.principal, input)),
});
