import { z } from "zod";
import { nodePermissionSchema, projectPermissionSchema } from "./permissions";
import { id, MAX_ID, name, text } from "./primitives";

export const rolePermissionsSchema = z.object({
  project: z.array(projectPermissionSchema).max(20),
  // keys arrive as strings over JSON
  nodes: z
    .record(
      z
        .string()
        .regex(/^\d{1,10}$/, "must be a node id")
        .refine((k) => Number(k) >= 1 && Number(k) <= MAX_ID, "must be a node id"),
      z.array(nodePermissionSchema).max(10),
    )
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
