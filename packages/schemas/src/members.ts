import { z } from "zod";
import { emailSchema } from "./auth";
import { id } from "./primitives";

const roleIds = z.array(id).max(50);

export const addMemberInput = z.object({ projectId: id, email: emailSchema, roleIds });
export const setMemberRolesInput = z.object({ projectId: id, userId: id, roleIds });
export const removeMemberInput = z.object({ projectId: id, userId: id });
