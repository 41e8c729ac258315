import { graph } from "@keyflow/core";
import { authedProcedure, publicProcedure, router } from "../init";

export const graphRouter = router({
  get: publicProcedure
    .input(graph.graphInput)
    .query(({ ctx, input }) => graph.getGraph(ctx.db, ctx.principal, input)),
  createNode: authedProcedure
    .input(graph.createNodeInput)
    .mutation(({ ctx, input }) => graph.createNode(ctx.db, ctx.principal, input)),
  updateNode: authedProcedure
    .input(graph.updateNodeInput)
    .mutation(({ ctx, input }) => graph.updateNode(ctx.db, ctx.principal, input)),
  deleteNode: authedProcedure
    .input(graph.nodeIdInput)
    .mutation(({ ctx, input }) => graph.deleteNode(ctx.db, ctx.principal, input)),
  createLink: authedProcedure
    .input(graph.createLinkInput)
    .mutation(({ ctx, input }) => graph.createLink(ctx.db, ctx.principal, input)),
  deleteLink: authedProcedure
    .input(graph.linkIdInput)
    .mutation(({ ctx, input }) => graph.deleteLink(ctx.db, ctx.principal, input)),
  listFiles: publicProcedure
    .input(graph.nodeIdInput)
    .query(({ ctx, input }) => graph.listFiles(ctx.db, ctx.principal, input)),
  putFile: authedProcedure
    .input(graph.putFileInput)
    .mutation(({ ctx, input }) => graph.putFile(ctx.db, ctx.principal, input)),
  deleteFile: authedProcedure
    .input(graph.deleteFileInput)
    .mutation(({ ctx, input }) => graph.deleteFile(ctx.db, ctx.principal, input)),
  setActive: authedProcedure
    .input(graph.setActiveInput)
    .mutation(({ ctx, input }) => graph.setActive(ctx.db, ctx.principal, input)),
});
