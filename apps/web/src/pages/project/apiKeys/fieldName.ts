import { IDENTIFIER, IDENTIFIER_MESSAGE, MAX_FIELD_NAME, RESERVED_FIELD_NAME } from "@keyflow/schemas";

/** What is wrong with an information field's name (for a live hint), or null; the server checks too. */
export function fieldNameProblem(name: string): string | null {
  if (!name) return "Name is required";
  if (name.length > MAX_FIELD_NAME) return `Name must be at most ${MAX_FIELD_NAME} characters`;
  if (!IDENTIFIER.test(name)) return `Name ${IDENTIFIER_MESSAGE}`;
  // imported as `<prefix>_token`, which already holds the key's token
  if (name.toLowerCase() === RESERVED_FIELD_NAME) return `"${name}" is reserved for the key's token`;
  return null;
}
