/** The permission names of SPEC §2 (part of the public interface), with what they allow. */
export const PROJECT_PERMISSIONS = [
  { name: "project_view", label: "View project", help: "See the project: About page, graph structure names" },
  { name: "project_edit", label: "Edit project", help: "Edit name, description and the public flag" },
  {
    name: "project_manage",
    label: "Manage project",
    help: "Delete the project; manage roles, members, secrets, API key templates, requests and issued keys",
  },
  { name: "graph_view", label: "View graph", help: "See nodes and links" },
  { name: "graph_edit", label: "Edit graph", help: "Create, edit and delete nodes and links" },
  {
    name: "code_view",
    label: "View code",
    help: "See node files, parameters and the names of granted secrets",
  },
  { name: "code_edit", label: "Edit code", help: "Edit node files and parameters" },
  { name: "package_view", label: "View packages", help: "List, search and download packages in all nodes" },
  { name: "package_create", label: "Create packages", help: "Create packages in all nodes" },
  { name: "package_delete", label: "Delete packages", help: "Delete packages" },
] as const;

export const NODE_PERMISSIONS = [
  { name: "code_view", label: "Code view" },
  { name: "code_edit", label: "Code edit" },
  { name: "package_view", label: "Pkg view" },
  { name: "package_create", label: "Pkg create" },
  { name: "package_delete", label: "Pkg delete" },
] as const;

export type ProjectPermissionName = (typeof PROJECT_PERMISSIONS)[number]["name"];
export type NodePermissionName = (typeof NODE_PERMISSIONS)[number]["name"];
