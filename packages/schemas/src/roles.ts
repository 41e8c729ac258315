import { z } from "zod";
import { nodePermissionSchema, projectPermissionSchema } from "./permissions";
import { id, MAX_ID, name, text } from "./primitives";

const isNodeId = (key: string) => /^\d{1,10}$/.test(key) && Number(key) >= 1 && Number(key) <= MAX_ID;

export const rolePermissionsSchema = z.object({
  project: z.array(projectPermissionSchema).max(20),
  // keys arrive as strings over JSON; checked here, not by a key schema, so the message names
  // the record ("permissions.nodes: …") rather than echoing whatever the key was
  nodes: z
    .record(z.string(), z.array(nodePermissionSchema).max(10))
    .refine((nodes) => Object.keys(nodes).every(isNodeId), "keys must be node ids")
    .default({}),
});
export type RolePermissions = z.output<typeof rolePermissionsSchema>;

const roleName = name(60);
const roleDescription = text().max(1000, "must be at most 1000 characters");

export const createRoleInput = z.object({
  projectId: id,
  name: roleName,
  description: roleDescription.optional(),
  isPublic: z.boolean().optional(),
  permissions: rolePermissionsSchema,
});
export const updateRoleInput = z.object({
  roleId: id,
  name: roleName.optional(),
  description: roleDescription.optional(),
  isPublic: z.boolean().optional(),
  permissions: rolePermissionsSchema.optional(),
});
export const roleIdInput = z.object({ roleId: id });
