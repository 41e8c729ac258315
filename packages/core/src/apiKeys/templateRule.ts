import { type Database, type Db, sql, type Transaction } from "@keyflow/db";
import { badRequest } from "../errors";

/**
 * SPEC §2: a template's role must hold project_view unless the project's public role does.
 * Run inside the transaction of any change that could break it; a violation rolls the change back.
 */
export async function assertTemplateRoles(trx: Transaction<Database>, projectId: number): Promise<void> {
  const r = await sql<{ name: string }>`
    select t.name from api_key_templates t
    join roles r on r.id = t.role_id
    where t.project_id = ${projectId} and t.deleted_at is null
      and not ('project_view' = any(r.permissions))
      and not exists (
        select 1 from roles pr where pr.project_id = ${projectId} and pr.is_public
          and 'project_view' = any(pr.permissions))
    order by t.name`.execute(trx);
  if (r.rows.length > 0) {
    const names = r.rows.map((t) => `"${t.name}"`).join(", ");
    throw badRequest(
      "roleId",
      `the role of API key template ${names} must include project_view (or the project's public role must), otherwise its keys could not see the project`,
    );
  }
}

/** Names of live templates using a role, for the CONFLICT when the role is deleted. */
export async function templatesUsingRole(db: Db, roleId: number): Promise<string[]> {
  const rows = await db
    .selectFrom("api_key_templates")
    .select("name")
    .where("role_id", "=", roleId)
    .where("deleted_at", "is", null)
    .orderBy("name")
    .execute();
  return rows.map((r) => r.name);
}
