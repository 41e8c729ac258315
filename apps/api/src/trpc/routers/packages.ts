import { packages } from "@keyflow/core";
import { createPackageInput, packageIdInput, searchPackagesInput } from "@keyflow/schemas";
import { authedProcedure, publicProcedure, router } from "../init";

export const packagesRouter = router({
  create: authedProcedure
    .input(createPackageInput)
    .mutation(({ ctx, input }) => packages.createPackage(ctx.db, ctx.principal, input)),
  search: publicProcedure
    .input(searchPackagesInput)
    .query(({ ctx, input }) => packages.searchPackages(ctx.db, ctx.principal, input)),
  get: publicProcedure
    .input(packageIdInput)
    .query(({ ctx, input }) => packages.getPackage(ctx.db, ctx.principal, input)),
  /** File metadata (name, content hash, size); not in SPEC §9 but needed by the package view. */
  files: publicProcedure
    .input(packageIdInput)
    .query(({ ctx, input }) => packages.listPackageFiles(ctx.db, ctx.principal, input)),
});
