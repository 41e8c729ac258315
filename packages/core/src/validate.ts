import type { z } from "zod";
import { badRequest, type CoreError } from "./errors";

/** The first issue of a zod error as BAD_REQUEST naming the field ("name: is required"). */
export function zodToCoreError(error: z.ZodError): CoreError {
  const issue = error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.join(".") : "input";
  return badRequest(field, issue?.message ?? "is invalid");
}

/** Parses core input; bad input becomes a CoreError, never an exception that would answer 500. */
export function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw zodToCoreError(result.error);
  return result.data;
}
