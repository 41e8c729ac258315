import { projects } from "@keyflow/core";
import { authedProcedure, publicProcedure, router } from "../init";

export const projectsRouter = router({
  create: authedProcedure
    .input(projects.createProjectInput)
    .mutation(({ ctx, input }) => projects.createProject(ctx.db, ctx.principal, input)),
  list: authedProcedure.query(({ ctx }) => projects.listProjects(ctx.db, ctx.principal)),
  get: publicProcedure
    .input(projects.projectIdInput)
    .query(({ ctx, input }) => projects.getProject(ctx.db, ctx.principal, input)),
  update: authedProcedure
    .input(projects.updateProjectInput)
    .mutation(({ ctx, input }) => projects.updateProject(ctx.db, ctx.principal, input)),
  delete: authedProcedure
    .input(projects.projectIdInput)
    .mutation(({ ctx, input }) => projects.deleteProject(ctx.db, ctx.principal, input)),
  about: publicProcedure
    .input(projects.projectIdInput)
    .query(({ ctx, input }) => projects.projectAbout(ctx.db, ctx.principal, input)),
});
