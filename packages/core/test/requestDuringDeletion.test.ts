import { randomBytes } from "node:crypto";
import { createTestDatabase, type TestDatabase } from "@keyflow/db/testing";
import { waitFor } from "@keyflow/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { apiKeys, auth, Keyring, projects, roles, userPrincipal } from "../src/index";

// A key request racing the deletion of its template or project (SPEC §12): the deletion cancels
// pending requests and revokes issued keys, so a request that slipped in beside it would leave a
// pending request nobody can decide or, with auto approval, a live key of a deleted template.

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.destroy());

async function autoTemplate() {
  const suffix = randomBytes(3).toString("hex");
  const signUp = (name: string) =>
    auth.signUp(t.db, { email: `${name}-${suffix}@example.com`, password: "correct horse battery", name });
  const owner = await signUp("owner");
  const requester = await signUp("requester");
  const as = userPrincipal(owner.id);
  const project = await projects.createProject(t.db, as, { name: `Service ${suffix}`, isPublic: true });
  const role = await roles.createRole(t.db, as, {
    projectId: project.id,
    name: "Client",
    permissions: { project: ["project_view"], nodes: {} },
  });
  const template = await apiKeys.createTemplate(t.db, as, {
    projectId: project.id,
    name: "API",
    roleId: role.id,
  });
  await apiKeys.updateTemplate(t.db, as, { templateId: template.id, approval: "auto" });
  return { requester, projectId: project.id, templateId: template.id };
}

describe("a key request while its template or project is being deleted", () => {
  test.each([
    ["template", "update api_key_templates set deleted_at = now() where id = $1", "templateId"],
    ["project", "update projects set deleted_at = now() where id = $1", "projectId"],
  ] as const)(
    "waits for the %s's deletion in flight and is refused: no request, no key",
    async (_, deletion, id) => {
      const f = await autoTemplate();
      // the deletion's transaction has marked the row and not yet committed
      const deleting = await t.pool.connect();
      try {
        await deleting.query("begin");
        await deleting.query(deletion, [f[id]]);
        const request = apiKeys.requestKey(
          t.db,
          userPrincipal(f.requester.id),
          { templateId: f.templateId },
          new Keyring("test-secret-0123456789"),
        );
        let settled = false;
        const outcome = request
          .then(
            () => "issued",
            (e: Error) => e.message,
          )
          .finally(() => {
            settled = true;
          });
        // waiting on the lock; a request that does not wait settles at once (and is told below)
        await waitFor("the request to wait for the deletion's lock, or to end", async () => {
          const r = await t.pool.query(
            "select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
          );
          return settled || r.rows[0].n > 0;
        });
        expect(settled).toBe(false);
        await deleting.query("commit");
        expect(await outcome).toBe("API key template not found");
      } finally {
        deleting.release();
      }
      const left = await t.db
        .selectFrom("key_requests")
        .leftJoin("api_keys", "api_keys.request_id", "key_requests.id")
        .select(["key_requests.id", "api_keys.id as keyId"])
        .where("key_requests.template_id", "=", f.templateId)
        .execute();
      expect(left).toEqual([]);
    },
  );
});
