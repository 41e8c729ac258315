import { createTestDatabase, type TestDatabase } from "@keyflow/db/testing";
import { createUser, type TestUser } from "@keyflow/testing";
import { afterAll, beforeAll, expect, test } from "vitest";
import { dataLayers, graph, packages, projects } from "../src/index";

// REST paths address a node under a project (/projects/{p}/nodes/{n}/packages…): core checks the
// project first, then that the node is in it, so a path never reaches a node or a package through
// another project, even one the caller may see.

let t: TestDatabase;
let owner: TestUser;
let stranger: TestUser;
let at: {
  project: number;
  node: number;
  layer: number;
  otherProject: number;
  otherNode: number;
  hidden: number;
};

beforeAll(async () => {
  t = await createTestDatabase();
  owner = await createUser(t.db, "Owner");
  stranger = await createUser(t.db, "Stranger");
  const project = await projects.createProject(t.db, owner.as, { name: "Here" });
  const other = await projects.createProject(t.db, owner.as, { name: "Elsewhere" });
  const hidden = await projects.createProject(t.db, stranger.as, { name: "Not yours" });
  const node = await graph.createNode(t.db, owner.as, { projectId: project.id, name: "in", kind: "data" });
  const otherNode = await graph.createNode(t.db, owner.as, { projectId: other.id, name: "in", kind: "data" });
  const [layer] = await dataLayers.listDataLayers(t.db, owner.as, { projectId: project.id });
  at = {
    project: project.id,
    node: node.id,
    layer: layer!.id,
    otherProject: other.id,
    otherNode: otherNode.id,
    hidden: hidden.id,
  };
});
afterAll(() => t?.destroy());

test("a package is created, searched and read under its own project", async () => {
  const pkg = await packages.createPackage(t.db, owner.as, {
    projectId: at.project,
    nodeId: at.node,
    dataLayerId: at.layer,
    label: "here",
  });
  const page = await packages.searchPackages(t.db, owner.as, {
    projectId: at.project,
    nodeId: at.node,
    dataLayerId: at.layer,
  });
  expect(page.items.map((p) => p.id)).toContain(pkg.id);
  expect(
    (await packages.getPackage(t.db, owner.as, { projectId: at.project, nodeId: at.node, packageId: pkg.id }))
      .label,
  ).toBe("here");
  expect(
    await packages.listPackageFiles(t.db, owner.as, {
      projectId: at.project,
      nodeId: at.node,
      packageId: pkg.id,
    }),
  ).toEqual([]);
});

test("a node of another project under this project's path is not found, though the caller owns both", async () => {
  const count = async () =>
    (await t.db.selectFrom("packages").select(t.db.fn.countAll().as("n")).executeTakeFirstOrThrow()).n;
  const before = await count();
  const under = { projectId: at.project, nodeId: at.otherNode };
  await expect(packages.createPackage(t.db, owner.as, { ...under, dataLayerId: at.layer })).rejects.toThrow(
    "Node not found",
  );
  await expect(packages.searchPackages(t.db, owner.as, { ...under, dataLayerId: at.layer })).rejects.toThrow(
    "Node not found",
  );
  expect(await count()).toBe(before);
});

test("a project the caller cannot see is not found before anything about its node", async () => {
  const under = { projectId: at.hidden, nodeId: at.node };
  await expect(packages.createPackage(t.db, owner.as, { ...under, dataLayerId: at.layer })).rejects.toThrow(
    "Project not found",
  );
  await expect(packages.searchPackages(t.db, owner.as, { ...under, dataLayerId: at.layer })).rejects.toThrow(
    "Project not found",
  );
  await expect(packages.getPackage(t.db, owner.as, { ...under, packageId: 1 })).rejects.toThrow(
    "Project not found",
  );
});

test("a package of another node under this node's path is not found; projectId needs nodeId", async () => {
  const elsewhere = await packages.createPackage(t.db, owner.as, {
    nodeId: at.otherNode,
    dataLayerId: (await dataLayers.listDataLayers(t.db, owner.as, { projectId: at.otherProject }))[0]!.id,
  });
  await expect(
    packages.getPackage(t.db, owner.as, { projectId: at.project, nodeId: at.node, packageId: elsewhere.id }),
  ).rejects.toThrow("Package not found");
  await expect(
    packages.getPackage(t.db, owner.as, { projectId: at.project, packageId: elsewhere.id }),
  ).rejects.toThrow("projectId: needs nodeId");
});
