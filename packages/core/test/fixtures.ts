import { randomBytes } from "node:crypto";
import type { Db } from "@keyflow/db";
import { apiKeys, auth, Keyring, projects, roles, userPrincipal } from "../src/index";

/**
 * An owner's public project with a role (`project_view`) and a key template, for core tests that
 * need keys; `holder(name)` signs up a user and approves them a key of the template.
 */
export async function keyService(db: Db) {
  const suffix = randomBytes(3).toString("hex");
  const signUp = (name: string) =>
    auth.signUp(db, { email: `${name}-${suffix}@example.com`, password: "correct horse battery", name });
  const owner = await signUp("owner");
  const as = userPrincipal(owner.id);
  const project = await projects.createProject(db, as, { name: `Service ${suffix}`, isPublic: true });
  const role = await roles.createRole(db, as, {
    projectId: project.id,
    name: "Client",
    permissions: { project: ["project_view"], nodes: {} },
  });
  const template = await apiKeys.createTemplate(db, as, {
    projectId: project.id,
    name: "API",
    roleId: role.id,
  });
  const keyring = new Keyring("test-secret-0123456789");
  return {
    owner,
    as,
    project,
    template,
    keyring,
    signUp,
    async holder(name: string) {
      const user = await signUp(name);
      const req = await apiKeys.requestKey(db, userPrincipal(user.id), { templateId: template.id });
      const { keyId } = await apiKeys.approveRequest(db, as, { requestId: req.id }, keyring);
      return { user, keyId };
    },
  };
}
