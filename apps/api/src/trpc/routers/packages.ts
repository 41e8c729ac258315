import { packages } from "@keyflow/core";
import { authedProcedure, publicProcedure, router } from "../init";

export const packagesRouter = router({
  create: authedProcedure
    .input(packages.createPackageInput)
    .mutation(({ ctx, input }) => packages.createPackage(ctx.db, ctx.principal, input)),
  search: publicProcedure
    .input(packages.searchPackagesInput)
    .query(({ ctx, input }) => packages.searchPackages(ctx.db, ctx.principal, input)),
  get: publicProcedure
    .input(packages.packageIdInput)
    .query(({ ctx, input }) => packages.getPackage(ctx.db, ctx.principal, input)),
  /** File metadata (name, content hash, size); not in SPEC §9 but needed by the package view. */
  files: publicProcedure
    .input(packages.packageIdInput)
    .query(({ ctx, input }) => packages.listPackageFiles(ctx.db, ctx.principal, input)),
});
