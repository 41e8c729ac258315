import { createDb, createPool, type Db } from "@keyflow/db";
import { createTestDatabase, type TestDatabase } from "@keyflow/db/testing";
import { createUser, type TestUser } from "@keyflow/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { apiKeys, CoreError, dataLayers, graph, jobs, packages, projects, roles } from "../src/index";

// An object in a project the caller cannot see is "<object> not found", exactly like a missing one.
// That mapping must apply to the access decision only: a database that fails to answer is an
// outage (a 500 upstream, with its cause logged), never a 404 that tells the user the object is gone.

let t: TestDatabase;
/** The same database, but statements give up after 100 ms waiting for a lock (lock_not_available). */
let impatient: Db;
let owner: TestUser;
let stranger: TestUser;
let ids: { jobId: number; packageId: number; roleId: number; templateId: number };

beforeAll(async () => {
  t = await createTestDatabase();
  impatient = createDb(createPool(t.url, { options: "-c lock_timeout=100" }));
  owner = await createUser(t.db, "Owner");
  stranger = await createUser(t.db, "Stranger");
  const projectId = (await projects.createProject(t.db, owner.as, { name: "Outage" })).id;
  const [layer] = await dataLayers.listDataLayers(t.db, owner.as, { projectId });
  const node = await graph.createNode(t.db, owner.as, { projectId, name: "compute", kind: "compute" });
  const pkg = await packages.createPackage(t.db, owner.as, {
    nodeId: node.id,
    dataLayerId: layer!.id,
    label: "in",
  });
  const job = await t.db
    .selectFrom("jobs")
    .select("id")
    .where("package_id", "=", pkg.id)
    .executeTakeFirstOrThrow();
  const role = await roles.createRole(t.db, owner.as, {
    projectId,
    name: "Viewer",
    permissions: { project: ["project_view"], nodes: {} },
  });
  const template = await apiKeys.createTemplate(t.db, owner.as, {
    projectId,
    name: "Service",
    roleId: role.id,
  });
  ids = { jobId: job.id, packageId: pkg.id, roleId: role.id, templateId: template.id };
});
afterAll(async () => {
  await impatient?.destroy();
  await t?.destroy();
});

/** Runs `call` while another connection holds an exclusive lock on `table`, so reading it fails. */
async function withTableLocked<T>(table: string, call: () => Promise<T>): Promise<unknown> {
  const holder = await t.pool.connect();
  try {
    await holder.query("begin");
    await holder.query(`lock table ${table} in access exclusive mode`);
    return await call().then(
      () => null,
      (e: unknown) => e,
    );
  } finally {
    await holder.query("rollback");
    holder.release();
  }
}

// Each path looks its object up, then the caller's access to its project; the locked table is read
// only by the access step (data_layers by requireLayer, member_roles by loadAccess).
const paths: { what: string; locked: string; call: (db: Db, who: TestUser) => Promise<unknown> }[] = [
  {
    what: "Job",
    locked: "data_layers",
    call: (db: Db, who: TestUser) => jobs.getJob(db, who.as, { jobId: ids.jobId }),
  },
  {
    what: "Package",
    locked: "data_layers",
    call: (db: Db, who: TestUser) => packages.getPackage(db, who.as, { packageId: ids.packageId }),
  },
  {
    what: "Role",
    locked: "member_roles",
    call: (db: Db, who: TestUser) => roles.updateRole(db, who.as, { roleId: ids.roleId, name: "Renamed" }),
  },
  {
    what: "API key template",
    locked: "member_roles",
    call: (db: Db, who: TestUser) =>
      apiKeys.updateTemplate(db, who.as, { templateId: ids.templateId, name: "Renamed" }),
  },
];

describe.each(paths)("$what lookup", ({ what, locked, call }) => {
  test(`a stranger gets "${what} not found"`, async () => {
    const err = await call(t.db, stranger).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CoreError);
    expect(err).toMatchObject({ code: "NOT_FOUND", message: `${what} not found` });
  });

  test(`a database failure while checking access reaches the caller as itself, not as NOT_FOUND`, async () => {
    const err = await withTableLocked(locked, () => call(impatient, owner));
    expect(err).not.toBeInstanceOf(CoreError);
    expect(err).toMatchObject({ code: "55P03", message: "canceling statement due to lock timeout" });
    // and once the database answers again, the owner's call succeeds
    await expect(call(impatient, owner)).resolves.toBeTruthy();
  });
});
