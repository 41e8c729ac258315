import path from "node:path";
import { resolveAppUrl, resolveDatabaseUrl, resolveSecret } from "@keyflow/db";
import proxyAddr from "proxy-addr";

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
  /** Reverse proxies whose X-Forwarded-For names the client (KEYFLOW_TRUSTED_PROXIES); none by default. */
  trustedProxies: string[];
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
    trustedProxies: parseTrustedProxies(env.KEYFLOW_TRUSTED_PROXIES),
  };
}

/**
 * `KEYFLOW_TRUSTED_PROXIES`: addresses and CIDR ranges, or `loopback`, `linklocal`, `uniquelocal`,
 * separated by commas. A value that is none of these stops the start with what is wrong.
 */
export function parseTrustedProxies(value: string | undefined): string[] {
  const entries = (value ?? "")
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "");
  try {
    proxyAddr.compile(entries);
  } catch (err) {
    throw new Error(
      `KEYFLOW_TRUSTED_PROXIES: ${(err as Error).message} (expected IP addresses or CIDR ranges, or loopback, linklocal, uniquelocal, separated by commas)`,
    );
  }
  return entries;
}
