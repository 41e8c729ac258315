import { z } from "zod";
import { id } from "../projects/schemas";

export const templateName = z.string().trim().min(1, "is required").max(80, "must be at most 80 characters");
/** Field and secret-prefix names: Latin letters, digits, underscore. */
export const identifier = z
  .string()
  .trim()
  .min(1, "is required")
  .max(40, "must be at most 40 characters")
  .regex(/^[A-Za-z0-9_]+$/, "may contain only Latin letters, digits and underscore");

const price = z
  .union([z.number(), z.string()])
  .transform((v) => String(v).trim())
  .refine((v) => /^\d{1,8}(\.\d{1,6})?$/.test(v), "must be a non-negative decimal with at most 6 decimals");

export const createTemplateInput = z.object({ projectId: id, name: templateName, roleId: id });
export const updateTemplateInput = z.object({
  templateId: id,
  name: templateName.optional(),
  description: z.string().max(5000, "must be at most 5000 characters").optional(),
  roleId: id.optional(),
  pricePerRequest: price.optional(),
  rateLimitPerMinute: z.number().int().min(1).max(1_000_000).nullable().optional(),
  keyTtlDays: z.number().int().min(1).max(36_500).nullable().optional(),
  allowSharedLayers: z.boolean().optional(),
});
export const templateIdInput = z.object({ templateId: id });

const fieldValue = z.string().max(1000, "must be at most 1000 characters");
export const addFieldInput = z.object({
  templateId: id,
  name: identifier,
  description: z.string().max(1000).optional(),
  value: fieldValue.optional(),
  /** "insert node ID": the value becomes this node's id and keeps a reference to it */
  nodeId: id.nullable().optional(),
});
export const updateFieldInput = z.object({
  fieldId: id,
  name: identifier.optional(),
  description: z.string().max(1000).optional(),
  value: fieldValue.optional(),
  nodeId: id.nullable().optional(),
});
export const fieldIdInput = z.object({ fieldId: id });

export const requestKeyInput = z.object({
  templateId: id,
  message: z.string().max(1000, "must be at most 1000 characters").optional(),
});
export const requestIdInput = z.object({ requestId: id });
export const rejectInput = z.object({
  requestId: id,
  reason: z.string().max(1000, "must be at most 1000 characters").optional(),
});
export const listRequestsInput = z.object({
  projectId: id,
  status: z.enum(["pending", "approved", "rejected", "withdrawn", "cancelled"]).optional(),
});
export const keyIdInput = z.object({ keyId: id });
