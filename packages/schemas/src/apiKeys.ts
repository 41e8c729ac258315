import { z } from "zod";
import { quotaSetting, RATE_LIMIT_MODES } from "./metering";
import { description, id, identifier, message, name, text } from "./primitives";

export const MAX_TEMPLATE_NAME = 80;
/** Information field names (and so secret suffixes) share the import prefix's rule and length. */
export const MAX_FIELD_NAME = 40;
export const MAX_FIELD_VALUE = 1000;
/** The fields every new template starts with: what the RnDFlow client's `get_server(prefix)` needs. */
export const DEFAULT_TEMPLATE_FIELDS = ["project", "input", "output"] as const;
/** `<prefix>_token` holds the token on import, so no field may be called that. */
export const RESERVED_FIELD_NAME = "token";
export const MAX_RATE_LIMIT_PER_MINUTE = 1_000_000;
export const MAX_KEY_TTL_DAYS = 36_500;
export const REQUEST_STATUSES = ["pending", "approved", "rejected", "withdrawn", "cancelled"] as const;
export const KEY_STATES = ["active", "suspended", "revoked", "expired"] as const;
/** A suspension's reason is shown to the holder in every refused call, the e-mail and the tiles. */
export const MAX_SUSPEND_REASON = 200;
/** A roll's grace: how long the old token keeps working (SPEC §12). */
export const MAX_ROLL_GRACE_MINUTES = 10_080;
export const DEFAULT_HOLDER_ROLL_GRACE_MINUTES = 60;
export const APPROVAL_MODES = ["manual", "auto"] as const;
export const MAX_REQUEST_QUESTIONS = 5;
export const MAX_QUESTION_TEXT = 200;
export const MAX_ANSWER = 1000;
/** Expiry notices go this many days before `expiresAt` (and once on expiry); tiles say "expires in …" within the first. */
export const EXPIRY_NOTICE_DAYS = [7, 1] as const;

export const templateName = name(MAX_TEMPLATE_NAME);
const RESERVED_MESSAGE = `is reserved for the key's token (imported as <prefix>_${RESERVED_FIELD_NAME})`;
export const fieldName = identifier(MAX_FIELD_NAME).refine(
  (n) => n.toLowerCase() !== RESERVED_FIELD_NAME,
  RESERVED_MESSAGE,
);

/** What is wrong with an information field's name (for a form's live hint), or null. */
export function fieldNameProblem(name: string): string | null {
  const issue = fieldName.safeParse(name).error?.issues[0];
  return issue ? `Name ${issue.message}` : null;
}

/** The secrets an import under `prefix` creates: `<prefix>_token` and `<prefix>_<field>` (SPEC §3.6). */
export const importedSecretNames = (prefix: string, fieldNames: readonly string[]) => [
  `${prefix}_${RESERVED_FIELD_NAME}`,
  ...fieldNames.map((f) => `${prefix}_${f}`),
];

const price = z
  .union([z.number(), z.string()])
  .transform((v) => String(v).trim())
  .refine((v) => /^\d{1,8}(\.\d{1,6})?$/.test(v), "must be a non-negative decimal with at most 6 decimals");

/** A question the requester answers in the REQUEST dialog; `id` keys the answer. */
export const requestQuestion = z.object({
  id: identifier(40),
  text: name(MAX_QUESTION_TEXT),
  required: z.boolean(),
});
export type RequestQuestion = z.output<typeof requestQuestion>;

export const createTemplateInput = z.object({ projectId: id, name: templateName, roleId: id });
export const updateTemplateInput = z.object({
  templateId: id,
  name: templateName.optional(),
  description: description.optional(),
  roleId: id.optional(),
  pricePerRequest: price.optional(),
  rateLimitPerMinute: z.number().int().min(1).max(MAX_RATE_LIMIT_PER_MINUTE).nullable().optional(),
  keyTtlDays: z.number().int().min(1).max(MAX_KEY_TTL_DAYS).nullable().optional(),
  allowSharedLayers: z.boolean().optional(),
  approval: z.enum(APPROVAL_MODES).optional(),
  /** SPEC §13: over the rate limit refuse (429) or hold the request up to 10 s */
  rateLimitMode: z.enum(RATE_LIMIT_MODES).optional(),
  /** requests answered < 400 per period; null removes the quota */
  quota: quotaSetting.optional(),
  maxTtlDays: z.number().int().min(1).max(MAX_KEY_TTL_DAYS).nullable().optional(),
  requestQuestions: z
    .array(requestQuestion)
    .max(MAX_REQUEST_QUESTIONS, `must have at most ${MAX_REQUEST_QUESTIONS} questions`)
    .refine((qs) => new Set(qs.map((q) => q.id)).size === qs.length, "must have distinct ids")
    .optional(),
});
export const templateIdInput = z.object({ templateId: id });

const fieldValue = text().max(MAX_FIELD_VALUE, `must be at most ${MAX_FIELD_VALUE} characters`);
const fieldDescription = text().max(1000, "must be at most 1000 characters");
export const addFieldInput = z.object({
  templateId: id,
  name: fieldName,
  description: fieldDescription.optional(),
  value: fieldValue.optional(),
  /** "insert node ID": the value becomes this node's id and keeps a reference to it */
  nodeId: id.nullable().optional(),
});
export const updateFieldInput = z.object({
  fieldId: id,
  name: fieldName.optional(),
  description: fieldDescription.optional(),
  value: fieldValue.optional(),
  nodeId: id.nullable().optional(),
});
export const fieldIdInput = z.object({ fieldId: id });

export const requestKeyInput = z.object({
  templateId: id,
  message: message.optional(),
  /** answers to the template's request questions, by question id */
  answers: z
    .record(z.string().max(40), text().max(MAX_ANSWER, `must be at most ${MAX_ANSWER} characters`))
    .optional(),
});
export const requestIdInput = z.object({ requestId: id });
/** `expiresAt`: an expiry earlier than the template's default (never past its `maxTtlDays` cap). */
export const approveInput = z.object({
  requestId: id,
  expiresAt: z
    .date({ error: "must be a date" })
    .max(new Date("9999-12-31T00:00:00Z"), "must be before the year 10000")
    .optional(),
});
export const rejectInput = z.object({ requestId: id, reason: message.optional() });
/** The Requests list keeps showing a withdrawn request this long, beside the pending ones. */
export const WITHDRAWN_SHOWN_DAYS = 7;
export const listRequestsInput = z.object({
  projectId: id,
  status: z.enum(REQUEST_STATUSES).optional(),
  /** with `status`: also the requests withdrawn at or after this moment (the owner sees what went) */
  withdrawnSince: z.coerce
    .date({ error: "must be a date" })
    .min(new Date("1970-01-01T00:00:00Z"), "must be in 1970 or later")
    .max(new Date("9999-12-31T00:00:00Z"), "must be before the year 10000")
    .optional(),
});
export const keyIdInput = z.object({ keyId: id });
export const suspendKeyInput = z.object({ keyId: id, reason: name(MAX_SUSPEND_REASON) });
/** Omitted grace: 60 minutes for the holder, 0 for a manager (the "leaked key" roll). */
export const rollKeyInput = z.object({
  keyId: id,
  graceMinutes: z.number().int().min(0).max(MAX_ROLL_GRACE_MINUTES).optional(),
});
