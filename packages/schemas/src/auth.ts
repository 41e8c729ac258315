import { z } from "zod";
import { name, text } from "./primitives";

export const emailSchema = z.string().trim().toLowerCase().email("must be a valid e-mail address").max(254);
export const MIN_PASSWORD = 8;
export const passwordSchema = text()
  .min(MIN_PASSWORD, `must be at least ${MIN_PASSWORD} characters`)
  .max(200, "must be at most 200 characters");

export const signUpInput = z.object({ email: emailSchema, password: passwordSchema, name: name(100) });
export const signInInput = z.object({
  email: emailSchema,
  password: text().min(1, "is required").max(200),
});
export const changePasswordInput = z.object({
  currentPassword: text().max(200),
  newPassword: passwordSchema,
});
