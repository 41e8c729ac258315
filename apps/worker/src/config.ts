import { resolveAppUrl, resolveDatabaseUrl, resolveSecret } from "@keyflow/db";

export interface WorkerConfig {
  databaseUrl: string;
  /** KEYFLOW_SECRET (or the embedded default's generated one): checked against the database at start. */
  secret: string;
  /** Unset: the worker runs the local SMTP capture and sends there (SPEC §8). */
  smtpUrl: string | undefined;
  /** Base of every link in e-mails; the same default as the API's. */
  appUrl: string;
  mailFrom: string;
}

export const DEFAULT_MAIL_FROM = "Keyflow <keyflow@localhost>";

/** The same resolution as the API's (`@keyflow/db` runtime config), plus the worker's own settings. */
export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  return {
    databaseUrl: resolveDatabaseUrl(env),
    secret: resolveSecret(env),
    smtpUrl: env.SMTP_URL || undefined,
    appUrl: resolveAppUrl(env),
    mailFrom: env.MAIL_FROM || DEFAULT_MAIL_FROM,
  };
}
