import { graph } from "@keyflow/core";
import {
  createLinkInput,
  createNodeInput,
  deleteFileInput,
  graphInput,
  linkIdInput,
  nodeIdInput,
  putFileInput,
  setActiveInput,
  updateNodeInput,
} from "@keyflow/schemas";
import { authedProcedure, publicProcedure, router } from "../init";

export const graphRouter = router({
  get: publicProcedure
    .input(graphInput)
    .query(({ ctx, input }) => graph.getGraph(ctx.db, ctx.principal, input)),
  createNode: authedProcedure
    .input(createNodeInput)
    .mutation(({ ctx, input }) => graph.createNode(ctx.db, ctx.principal, input)),
  updateNode: authedProcedure
    .input(updateNodeInput)
    .mutation(({ ctx, input }) => graph.updateNode(ctx.db, ctx.principal, input)),
  deleteNode: authedProcedure
    .input(nodeIdInput)
    .mutation(({ ctx, input }) => graph.deleteNode(ctx.db, ctx.principal, input)),
  createLink: authedProcedure
    .input(createLinkInput)
    .mutation(({ ctx, input }) => graph.createLink(ctx.db, ctx.principal, input)),
  deleteLink: authedProcedure
    .input(linkIdInput)
    .mutation(({ ctx, input }) => graph.deleteLink(ctx.db, ctx.principal, input)),
  listFiles: publicProcedure
    .input(nodeIdInput)
    .query(({ ctx, input }) => graph.listFiles(ctx.db, ctx.principal, input)),
  putFile: authedProcedure
    .input(putFileInput)
    .mutation(({ ctx, input }) => graph.putFile(ctx.db, ctx.principal, input)),
  deleteFile: authedProcedure
    .input(deleteFileInput)
    .mutation(({ ctx, input }) => graph.deleteFile(ctx.db, ctx.principal, input)),
  setActive: authedProcedure
    .input(setActiveInput)
    .mutation(({ ctx, input }) => graph.setActive(ctx.db, ctx.principal, input)),
});
