import { z } from "zod";

/** Project-level permission names of SPEC §2 (part of the public interface). */
export const PROJECT_PERMISSIONS = [
  "project_view",
  "project_edit",
  "project_manage",
  "graph_view",
  "graph_edit",
  "code_view",
  "code_edit",
  "package_view",
  "package_create",
  "package_delete",
] as const;
/** Node-level permissions, granted per node inside a role. */
export const NODE_PERMISSIONS = [
  "code_view",
  "code_edit",
  "package_view",
  "package_create",
  "package_delete",
] as const;

export type ProjectPermission = (typeof PROJECT_PERMISSIONS)[number];
export type NodePermission = (typeof NODE_PERMISSIONS)[number];

export const projectPermissionSchema = z.enum(PROJECT_PERMISSIONS);
export const nodePermissionSchema = z.enum(NODE_PERMISSIONS);

/** What a signed-out visitor may take from the public role. */
export const READ_PERMISSIONS: ReadonlySet<ProjectPermission> = new Set([
  "project_view",
  "graph_view",
  "code_view",
  "package_view",
]);

/** What an API key may ever do, whatever its role grants (SPEC §2). */
export const DATA_PLANE_PERMISSIONS: ReadonlySet<ProjectPermission> = new Set([
  "project_view",
  "graph_view",
  "package_view",
  "package_create",
  "package_delete",
]);

/** How the web app names each permission, and what it allows. */
export const PERMISSION_LABELS: Record<ProjectPermission, { label: string; short: string; help: string }> = {
  project_view: {
    label: "View project",
    short: "Project view",
    help: "See the project: About page, graph structure names",
  },
  project_edit: {
    label: "Edit project",
    short: "Project edit",
    help: "Edit name, description and the public flag",
  },
  project_manage: {
    label: "Manage project",
    short: "Manage",
    help: "Delete the project; manage roles, members, secrets, API key templates, requests and issued keys",
  },
  graph_view: { label: "View graph", short: "Graph view", help: "See nodes and links" },
  graph_edit: { label: "Edit graph", short: "Graph edit", help: "Create, edit and delete nodes and links" },
  code_view: {
    label: "View code",
    short: "Code view",
    help: "See node files, parameters and the names of granted secrets",
  },
  code_edit: { label: "Edit code", short: "Code edit", help: "Edit node files and parameters" },
  package_view: {
    label: "View packages",
    short: "Pkg view",
    help: "List, search and download packages in all nodes",
  },
  package_create: { label: "Create packages", short: "Pkg create", help: "Create packages in all nodes" },
  package_delete: { label: "Delete packages", short: "Pkg delete", help: "Delete packages" },
};
