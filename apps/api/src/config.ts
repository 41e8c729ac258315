import path from "node:path";
import { resolveAppUrl, resolveDatabaseUrl, resolveSecret } from "@keyflow/db";

export interface Config {
  port: number;
  appUrl: string;
  databaseUrl: string;
  secret: string;
  /** Show the whole dev mailbox to everyone (localhost APP_URL or KEYFLOW_DEV=1). */
  devMailboxOpen: boolean;
  /** The local SMTP capture is in use (no SMTP_URL). */
  smtpCapture: boolean;
  webDist: string;
}

export function isLocalUrl(url: string): boolean {
  const host = new URL(url).hostname;
  return host === "localhost" || host === "127.0.0.1" || host === "[::1]" || host.endsWith(".localhost");
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env.PORT ?? 3000);
  const appUrl = resolveAppUrl(env);
  return {
    port,
    appUrl,
    databaseUrl: resolveDatabaseUrl(env),
    secret: resolveSecret(env),
    devMailboxOpen: isLocalUrl(appUrl) || env.KEYFLOW_DEV === "1",
    smtpCapture: !env.SMTP_URL,
    webDist: path.resolve(import.meta.dirname, "../../web/dist"),
  };
}
