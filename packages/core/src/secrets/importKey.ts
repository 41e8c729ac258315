import { type Db, sql } from "@keyflow/db";
import { importApiKeyInput, importedSecretNames, MAX_SECRET_NAME } from "@keyflow/schemas";
import type { z } from "zod";
import { loadAccess } from "../access";
import { tokenAad } from "../apiKeys/issue";
import { keyState } from "../apiKeys/keys";
import { recordAudit } from "../audit";
import type { Keyring } from "../crypto";
import { badRequest, conflict, isUniqueViolation, notFound } from "../errors";
import { type Principal, requireUser } from "../principal";
import { parse } from "../validate";
import { NAME_INDEX, namesTaken } from "./names";
import { encryptSecretValue, nextSecretIds } from "./values";
import { type SecretView, secretViews } from "./views";

const importConflict = (names: string[]) =>
  conflict(
    `Secrets already exist with these names (names ignore case): ${names.join(", ")}. Nothing was imported; choose another prefix`,
  );

/**
 * Imports the caller's own API key into a project where they hold `project_manage` (SPEC §3.6):
 * `<prefix>_token` (write-only) and `<prefix>_<field>` for each information field, all or nothing.
 * Anyone else's key is NOT_FOUND; a revoked or expired key CONFLICT (checked under a row lock);
 * an existing name, or a concurrent import taking one, CONFLICT naming the clashes.
 */
export async function importApiKey(
  db: Db,
  principal: Principal,
  input: z.input<typeof importApiKeyInput>,
  keyring: Keyring,
): Promise<SecretView[]> {
  const data = parse(importApiKeyInput, input);
  const userId = requireUser(principal);
  (await loadAccess(db, principal, data.projectId)).require("project_manage");
  const own = await db
    .selectFrom("api_keys")
    .select("id")
    .where("id", "=", data.keyId)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  if (!own) throw notFound("API key");

  let names: string[] = [];
  try {
    const ids = await db.transaction().execute(async (trx) => {
      // the lock orders this import after a concurrent revocation (or import) of the same key
      const key = await trx
        .selectFrom("api_keys")
        .select([
          "id",
          "project_id",
          "template_id",
          "token_encrypted",
          "revoked_at",
          "expires_at",
          "suspended_at",
        ])
        .where("id", "=", data.keyId)
        .where("user_id", "=", userId)
        .forUpdate()
        .executeTakeFirst();
      if (!key) throw notFound("API key");
      const source = await trx
        .selectFrom("api_key_templates as t")
        .innerJoin("projects as p", "p.id", "t.project_id")
        .select([
          "t.name as template_name",
          "p.name as project_name",
          sql<boolean>`t.deleted_at is not null or p.deleted_at is not null`.as("gone"),
        ])
        .where("t.id", "=", key.template_id)
        .executeTakeFirstOrThrow();
      const state = source.gone ? "revoked" : keyState(key);
      if (state !== "active") throw conflict(`This API key is ${state}; only an active key can be imported`);

      const fields = await trx
        .selectFrom("api_key_template_fields")
        .select(["name", "description", "value"])
        .where("template_id", "=", key.template_id)
        .orderBy("id")
        .execute();
      const from = `API key "${source.template_name}" of project "${source.project_name}"`;
      const [tokenName, ...fieldNames] = importedSecretNames(
        data.prefix,
        fields.map((f) => f.name),
      );
      const entries = [
        {
          name: tokenName!,
          value: keyring.decrypt("api_key_token", key.token_encrypted, tokenAad(key.id)),
          field: "token",
          writeOnly: true,
          description: `Token of ${from}`,
        },
        ...fields.map((f, i) => ({
          name: fieldNames[i]!,
          value: f.value,
          field: f.name,
          writeOnly: false,
          description: f.description ? `${f.description} (${from})` : `Field "${f.name}" of ${from}`,
        })),
      ];
      names = entries.map((e) => e.name);
      const tooLong = names.find((n) => n.length > MAX_SECRET_NAME);
      if (tooLong)
        throw badRequest(
          "prefix",
          `is too long: secret "${tooLong}" would exceed ${MAX_SECRET_NAME} characters`,
        );
      const lowered = names.map((n) => n.toLowerCase());
      const twins = names.filter((_, i) => lowered.indexOf(lowered[i]!) !== i);
      if (twins.length > 0)
        throw conflict(`The key's fields give secret names that differ only in case: ${twins.join(", ")}`);
      const taken = await namesTaken(trx, data.projectId, names);
      if (taken.length > 0) throw importConflict(taken);

      const ids = await nextSecretIds(trx, entries.length);
      await trx
        .insertInto("secrets")
        .values(
          entries.map((e, i) => ({
            id: ids[i]!,
            project_id: data.projectId,
            name: e.name,
            description: e.description,
            value_encrypted: encryptSecretValue(keyring, ids[i]!, e.value),
            source_key_id: key.id,
            source_field: e.field,
            write_only: e.writeOnly,
            created_by: userId,
          })),
        )
        .execute();
      await recordAudit(trx, {
        projectId: data.projectId,
        actorId: userId,
        action: "secret.import",
        target: `${data.prefix}_*`,
        details: {
          keyId: key.id,
          sourceProjectId: key.project_id,
          templateName: source.template_name,
          prefix: data.prefix,
          names,
          secretIds: ids,
        },
      });
      return ids;
    });
    return await secretViews(db, data.projectId, ids);
  } catch (e) {
    // a concurrent import (or create) took a name between the check and the insert
    if (isUniqueViolation(e, NAME_INDEX)) {
      const taken = await namesTaken(db, data.projectId, names);
      throw importConflict(taken.length > 0 ? taken : names);
    }
    throw e;
  }
}
