import { parseArgs } from "node:util";
import { ACCESS_TOKEN_PREFIX } from "@keyflow/schemas";
import { TRPCClientError } from "@trpc/client";
import { createClient } from "./client";
import { run, USAGE } from "./commands";
import { UsageError } from "./format";

// keyflow <command>: see USAGE. Prints one clear line and exits 1 on any error.

const OPTIONS = {
  project: { type: "string" },
  status: { type: "string" },
  reason: { type: "string" },
  grace: { type: "string" },
  from: { type: "string" },
  to: { type: "string" },
  csv: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const REFUSED_TOKEN = "the token was refused (revoked or unknown)";

/** One line for anything a command may throw. */
function errorLine(e: unknown, url: string): string {
  if (e instanceof UsageError) return `${e.message} (see: npm run keyflow -- help)`;
  if (e instanceof TRPCClientError) {
    const code = (e.data as { code?: string } | undefined)?.code;
    if (code === "UNAUTHORIZED") return REFUSED_TOKEN;
    if (code) return e.message;
    // no tRPC answer at all: the server is down or KEYFLOW_URL is wrong
    const cause = (e.cause as { cause?: { code?: string } } | undefined)?.cause?.code;
    return `cannot reach the Keyflow server at ${url}${cause ? ` (${cause})` : ""}: check KEYFLOW_URL`;
  }
  return e instanceof Error ? e.message : String(e);
}

async function main(argv: string[]): Promise<number> {
  const url = process.env.KEYFLOW_URL || "http://localhost:3000";
  const parse = () => parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (e) {
    console.error(`${(e as Error).message} (see: npm run keyflow -- help)`);
    return 1;
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0 || positionals[0] === "help") {
    console.log(USAGE);
    return 0;
  }
  const token = process.env.KEYFLOW_TOKEN;
  if (!token) {
    console.error("KEYFLOW_TOKEN is not set: create a personal access token on the Account page");
    return 1;
  }
  if (!token.startsWith(ACCESS_TOKEN_PREFIX)) {
    console.error("KEYFLOW_TOKEN must be a personal access token (kfp_…), not an API key");
    return 1;
  }
  try {
    console.log(await run(createClient(url, token), positionals, values));
    return 0;
  } catch (e) {
    console.error(errorLine(e, url));
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
