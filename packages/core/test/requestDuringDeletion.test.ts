import { createTestDatabase, type TestDatabase } from "@keyflow/db/testing";
import { waitFor } from "@keyflow/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { apiKeys, userPrincipal } from "../src/index";
import { keyService } from "./fixtures";

// A key request racing the deletion of its template or project (SPEC §12): the deletion cancels
// pending requests and revokes issued keys, so a request that slipped in beside it would leave a
// pending request nobody can decide or, with auto approval, a live key of a deleted template.

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.destroy());

async function autoTemplate() {
  const service = await keyService(t.db);
  await apiKeys.updateTemplate(t.db, service.as, { templateId: service.template.id, approval: "auto" });
  return {
    requester: await service.signUp("requester"),
    projectId: service.project.id,
    templateId: service.template.id,
    keyring: service.keyring,
  };
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
          f.keyring,
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
