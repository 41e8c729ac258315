import { z } from "zod";

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
