import type { Database, Transaction } from "@keyflow/db";
import { recordAudit } from "../audit";
import type { Keyring } from "../crypto";
import { encryptSecretValue } from "./values";

/**
 * A roll gave key `keyId` a new token: every secret imported from the key's token (`<prefix>_token`,
 * in every project that imported it) is rewritten with it, inside the roll's transaction, and audited
 * (`secret.token_rewrite`) in that secret's project — so node jobs keep working without a re-import
 * (SPEC §12). Other imported fields are left alone: a roll changes only the token.
 */
export async function rewriteTokenSecrets(
  trx: Transaction<Database>,
  keyring: Keyring,
  roll: { keyId: number; token: string; actorId: number; templateName: string; sourceProjectId: number },
) {
  const secrets = await trx
    .selectFrom("secrets")
    .select(["id", "project_id", "name"])
    .where("source_key_id", "=", roll.keyId)
    .where("source_field", "=", "token")
    .orderBy("id")
    .forUpdate()
    .execute();
  for (const s of secrets) {
    await trx
      .updateTable("secrets")
      .set({ value_encrypted: encryptSecretValue(keyring, s.id, roll.token), updated_at: new Date() })
      .where("id", "=", s.id)
      .execute();
    await recordAudit(trx, {
      projectId: s.project_id,
      actorId: roll.actorId,
      action: "secret.token_rewrite",
      target: s.name,
      details: {
        secretId: s.id,
        keyId: roll.keyId,
        templateName: roll.templateName,
        sourceProjectId: roll.sourceProjectId,
      },
    });
  }
  return secrets.map((s) => ({ id: s.id, projectId: s.project_id, name: s.name }));
}
