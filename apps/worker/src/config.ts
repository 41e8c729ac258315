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
  /** Node jobs run in the bubblewrap sandbox; false only with KEYFLOW_SANDBOX=off. */
  sandbox: boolean;
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
    sandbox: sandboxSetting(env),
  };
}

/** KEYFLOW_SANDBOX: unset or "on" sandboxes node jobs; only an explicit "off" turns it off. */
export function sandboxSetting(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.KEYFLOW_SANDBOX || "on";
  if (value === "on") return true;
  if (value === "off") return false;
  throw new Error(`KEYFLOW_SANDBOX must be "on" or "off", not ${JSON.stringify(value)}`);
}
