import { router } from "./init";
import { auditRouter } from "./routers/audit";
import { authRouter } from "./routers/auth";
import { membersRouter } from "./routers/members";
import { projectsRouter } from "./routers/projects";
import { rolesRouter } from "./routers/roles";

export const appRouter = router({
  auth: authRouter,
  projects: projectsRouter,
  roles: rolesRouter,
  members: membersRouter,
  audit: auditRouter,
});

export type AppRouter = typeof appRouter;
export type { Context } from "./init";
