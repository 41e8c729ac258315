import { type Db, sql } from "@keyflow/db";
import { conflict } from "../errors";

/** The unique index on (project, lower(name)): a concurrent insert that took a name violates it. */
export const NAME_INDEX = "secrets_name_key";

/** Which of `names` the project's secrets already use, ignoring case (they become environment variables). */
export async function namesTaken(db: Db, projectId: number, names: string[], exceptId?: number) {
  if (names.length === 0) return [];
  let q = db
    .selectFrom("secrets")
    .select("name")
    .where("project_id", "=", projectId)
    .where(
      sql<string>`lower(name)`,
      "in",
      names.map((n) => n.toLowerCase()),
    );
  if (exceptId !== undefined) q = q.where("id", "!=", exceptId);
  return (await q.orderBy("name").execute()).map((r) => r.name);
}

export const duplicateName = (name: string) =>
  conflict(`A secret named "${name}" already exists in this project (names ignore case)`);
