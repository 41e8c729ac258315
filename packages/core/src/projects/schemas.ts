import { z } from "zod";

export const id = z.number().int().positive();
export const projectName = z.string().trim().min(1, "is required").max(100, "must be at most 100 characters");
export const description = z.string().max(10_000, "must be at most 10000 characters");

export const createProjectInput = z.object({
  name: projectName,
  description: description.optional(),
  isPublic: z.boolean().optional(),
});
export const updateProjectInput = z.object({
  projectId: id,
  name: projectName.optional(),
  description: description.optional(),
  isPublic: z.boolean().optional(),
});
export const projectIdInput = z.object({ projectId: id });
