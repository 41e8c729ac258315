import { z } from "zod";
import { description, id, name } from "./primitives";

export const projectName = name(100);

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
