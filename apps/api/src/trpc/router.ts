import { mergeRouters, router } from "./init";
import { accessTokensRouter } from "./routers/accessTokens";
import { apiKeysRouter } from "./routers/apiKeys";
import { auditRouter } from "./routers/audit";
import { authRouter } from "./routers/auth";
import { dataLayersRouter } from "./routers/dataLayers";
import { devMailboxRouter } from "./routers/devMailbox";
import { graphRouter } from "./routers/graph";
import { jobsRouter } from "./routers/jobs";
import { membersRouter } from "./routers/members";
import { packagesRouter } from "./routers/packages";
import { projectsRouter } from "./routers/projects";
import { rolesRouter } from "./routers/roles";
import { secretsRouter } from "./routers/secrets";
import { usageRouter } from "./routers/usage";

export const appRouter = router({
  auth: mergeRouters(authRouter, accessTokensRouter),
  projects: projectsRouter,
  roles: rolesRouter,
  members: membersRouter,
  audit: auditRouter,
  graph: graphRouter,
  dataLayers: dataLayersRouter,
  packages: packagesRouter,
  jobs: jobsRouter,
  devMailbox: devMailboxRouter,
  apiKeys: apiKeysRouter,
  usage: usageRouter,
  secrets: secretsRouter,
});

export type AppRouter = typeof appRouter;
export type { Context } from "./init";
