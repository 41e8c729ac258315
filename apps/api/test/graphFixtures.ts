import type { Database } from "@keyflow/db";
import type { NodePermission, ProjectPermission } from "@keyflow/schemas";
import type { Harness } from "./harness";

type Perms = { project: ProjectPermission[]; nodes?: Record<string, NodePermission[]> };

/**
 * A project with its owner, a member whose role holds only `project_view`, a signed-in
 * stranger and a signed-out client; `memberWith` adds members with any role.
 */
export async function projectWithMembers(h: Harness, name = "Graph project") {
  const owner = await h.user("Owner");
  const stranger = await h.user("Stranger");
  const anon = h.client();
  const project = await owner.client.projects.create.mutate({ name });
  const [main] = await owner.client.dataLayers.list.query({ projectId: project.id });
  let roles = 0;

  /** A new user holding a new role with exactly these permissions. */
  async function memberWith(perms: Perms, userName = "Member") {
    const u = await h.user(userName);
    const role = await owner.client.roles.create.mutate({
      projectId: project.id,
      name: `Role ${++roles}`,
      permissions: { project: perms.project, nodes: perms.nodes ?? {} },
    });
    await owner.client.members.add.mutate({ projectId: project.id, email: u.email, roleIds: [role.id] });
    return { ...u, roleId: role.id };
  }

  const member = await memberWith({ project: ["project_view"] }, "Viewer");
  return { owner, member, stranger, anon, project, projectId: project.id, mainLayerId: main!.id, memberWith };
}

export type Fixture = Awaited<ReturnType<typeof projectWithMembers>>;

/** Counts rows of any table, to prove a refused call wrote nothing. */
export async function rows(h: Harness, table: keyof Database): Promise<number> {
  const r = await h.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Row counts of several tables at once, to compare before and after a refused call. */
export async function snapshot(
  h: Harness,
  tables: (keyof Database)[] = [
    "nodes",
    "links",
    "node_files",
    "packages",
    "package_files",
    "blobs",
    "data_layers",
    "node_layer_state",
    "audit_log",
  ],
) {
  return Object.fromEntries(await Promise.all(tables.map(async (t) => [t, await rows(h, t)] as const)));
}
