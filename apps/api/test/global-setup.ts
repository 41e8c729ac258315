import { setupTestDatabaseServer } from "@keyflow/db/testing";
import { bundleService } from "../../../scripts/bundle";

/** One PostgreSQL for the run, and the bundles the tests start as processes (built fresh each run). */
export default async function setup(ctx: Parameters<typeof setupTestDatabaseServer>[0]) {
  await Promise.all(["apps/api", "apps/worker"].map(bundleService));
  return setupTestDatabaseServer(ctx);
}
