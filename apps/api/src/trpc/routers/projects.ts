import { projects } from "@keyflow/core";
import { createProjectInput, projectIdInput, updateProjectInput } from "@keyflow/schemas";
import { authedProcedure, publicProcedure, router } from "../init";

export const projectsRouter = router({
  create: authedProcedure
    .input(createProjectInput)
    .mutation(({ ctx, input }) => projects.createProject(ctx.db, ctx.principal, input)),
  list: authedProcedure.query(({ ctx }) => projects.listProjects(ctx.db, ctx.principal)),
  get: publicProcedure
    .input(projectIdInput)
    .query(({ ctx, input }) => projects.getProject(ctx.db, ctx.principal, input)),
  update: authedProcedure
    .input(updateProjectInput)
    .mutation(({ ctx, input }) => projects.updateProject(ctx.db, ctx.principal, input)),
  delete: authedProcedure
    .input(projectIdInput)
    .mutation(({ ctx, input }) => projects.deleteProject(ctx.db, ctx.principal, input)),
  about: publicProcedure
    .input(projectIdInput)
    .query(({ ctx, input }) => projects.projectAbout(ctx.db, ctx.principal, input)),
});
