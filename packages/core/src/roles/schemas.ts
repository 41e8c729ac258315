import { z } from "zod";
import { nodePermissionSchema, projectPermissionSchema } from "../permissions";
import { id } from "../projects/schemas";

export const rolePermissionsSchema = z.object({
  project: z.array(projectPermissionSchema).max(20),
  // keys arrive as strings over JSON
  nodes: z
    .record(z.string().regex(/^\d+$/, "must be a node id"), z.array(nodePermissionSchema).max(10))
    .default({}),
});

const roleName = z.string().trim().min(1, "is required").max(60, "must be at most 60 characters");

export const createRoleInput = z.object({
  projectId: id,
  name: roleName,
  description: z.string().max(1000).optional(),
  isPublic: z.boolean().optional(),
  permissions: rolePermissionsSchema,
});
export const updateRoleInput = z.object({
  roleId: id,
  name: roleName.optional(),
  description: z.string().max(1000).optional(),
  isPublic: z.boolean().optional(),
  permissions: rolePermissionsSchema.optional(),
});
export const roleIdInput = z.object({ roleId: id });
