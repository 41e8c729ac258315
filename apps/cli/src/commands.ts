import type { AppRouter } from "@keyflow/api/router";
import { MAX_ROLL_GRACE_MINUTES } from "@keyflow/schemas";
import type { inferRouterOutputs } from "@trpc/server";
import type { Client } from "./client";
import { csv, period, table, UsageError, when } from "./format";

type Outputs = inferRouterOutputs<AppRouter>;
type IssuedRow = Outputs["apiKeys"]["issued"]["rows"][number];

export interface Options {
  project?: string;
  status?: string;
  reason?: string;
  grace?: string;
  from?: string;
  to?: string;
  csv?: boolean;
}

export const USAGE = `keyflow: the Keyflow owner's command-line tool

Usage: npm run keyflow -- <command> [options]

  requests list --project <id> [--status pending|approved|rejected|withdrawn|cancelled|all]
  requests approve <requestId>
  requests reject <requestId> [--reason "…"]
  keys list --project <id> [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--csv]
                          issued keys with their usage in the period (default: this month, UTC)
  keys suspend <keyId> --reason "…"
  keys resume <keyId>
  keys revoke <keyId>
  keys roll <keyId> [--grace <minutes>]
                          a new token for the key; the old one works for the grace (default 0:
                          refused at once), the holder's imported secrets get the new token

Environment:
  KEYFLOW_URL    the server (default http://localhost:3000)
  KEYFLOW_TOKEN  a personal access token (kfp_…) from the Account page`;

const STATUSES = ["pending", "approved", "rejected", "withdrawn", "cancelled"] as const;

/** A positive integer id from the command line. */
function idOf(what: string, value: string | undefined): number {
  if (value === undefined) throw new UsageError(`${what} is missing`);
  if (!/^\d{1,10}$/.test(value) || Number(value) < 1)
    throw new UsageError(`${what} must be a positive integer`);
  return Number(value);
}

const person = (u: { name: string; email: string }) => `${u.name} <${u.email}>`;

/** Every issued key of the project with its usage in the period, all pages. */
export async function issuedKeys(client: Client, projectId: number, range: { from: Date; to: Date }) {
  const rows: IssuedRow[] = [];
  for (let page = 1; ; page++) {
    const answer = await client.apiKeys.issued.query({ projectId, ...range, page, pageSize: 100 });
    rows.push(...answer.rows);
    if (answer.rows.length === 0 || rows.length >= answer.total) return rows;
  }
}

/** Sums money given as decimal strings ("0.000100") exactly, in millionths. */
function sumCost(costs: string[]): string {
  let micro = 0n;
  for (const c of costs) {
    const [whole = "0", frac = ""] = c.split(".");
    micro += BigInt(whole) * 1_000_000n + BigInt(frac.padEnd(6, "0").slice(0, 6));
  }
  const frac = String(micro % 1_000_000n)
    .padStart(6, "0")
    .replace(/0+$/, "");
  return `${micro / 1_000_000n}${frac ? `.${frac}` : ""}`;
}

/** Runs one command and returns what to print. */
export async function run(client: Client, args: string[], opts: Options): Promise<string> {
  const [group, verb, target, ...extra] = args;
  if (extra.length > 0) throw new UsageError(`unexpected argument: ${extra.join(" ")}`);
  const command = `${group ?? ""} ${verb ?? ""}`.trim();
  switch (command) {
    case "requests list": {
      const projectId = idOf("--project", opts.project);
      const status = opts.status ?? "pending";
      if (status !== "all" && !(STATUSES as readonly string[]).includes(status))
        throw new UsageError(`--status must be one of ${STATUSES.join(", ")}, all`);
      const rows = await client.apiKeys.listRequests.query({
        projectId,
        status: status === "all" ? undefined : (status as (typeof STATUSES)[number]),
      });
      if (rows.length === 0) return status === "all" ? "No requests." : `No ${status} requests.`;
      return table(
        ["ID", "Template", "Requested by", "Status", "Requested", "Message"],
        rows.map((r) => [
          String(r.id),
          r.templateName,
          person(r.user),
          r.status,
          when(r.createdAt),
          r.message,
        ]),
        new Set([0]),
      );
    }
    case "requests approve": {
      const requestId = idOf("requestId", target);
      const { keyId } = await client.apiKeys.approve.mutate({ requestId });
      return `Approved request ${requestId}: key ${keyId} issued.`;
    }
    case "requests reject": {
      const requestId = idOf("requestId", target);
      await client.apiKeys.reject.mutate({ requestId, reason: opts.reason });
      return `Rejected request ${requestId}.`;
    }
    case "keys list": {
      const projectId = idOf("--project", opts.project);
      const range = period(opts.from, opts.to);
      const rows = await issuedKeys(client, projectId, range);
      const header = [
        "Key",
        "Token",
        "Template",
        "Holder",
        "State",
        "Received",
        "Requests",
        "Errors",
        "Cost",
        "Last used",
      ];
      const cells = rows.map((r) => [
        String(r.keyId),
        `${r.tokenStart}…`,
        r.templateName,
        person(r.user),
        r.state,
        when(r.receivedAt),
        String(r.requests),
        String(r.errors),
        r.cost,
        when(r.lastUsedAt),
      ]);
      if (opts.csv)
        return csv(
          [
            "key_id",
            "token_start",
            "template",
            "holder_name",
            "holder_email",
            "state",
            "received_at",
            "expires_at",
            "requests",
            "errors",
            "cost",
            "last_used_at",
          ],
          rows.map((r) => [
            String(r.keyId),
            r.tokenStart,
            r.templateName,
            r.user.name,
            r.user.email,
            r.state,
            r.receivedAt.toISOString(),
            r.expiresAt?.toISOString() ?? "",
            String(r.requests),
            String(r.errors),
            r.cost,
            r.lastUsedAt?.toISOString() ?? "",
          ]),
        ).trimEnd();
      const title = `Issued keys of project ${projectId}, usage from ${when(range.from)} to ${when(range.to)}`;
      if (rows.length === 0) return `${title}\nNo keys issued.`;
      const totals = [
        "Total",
        "",
        "",
        `${rows.length} key${rows.length === 1 ? "" : "s"}`,
        "",
        "",
        String(rows.reduce((n, r) => n + r.requests, 0)),
        String(rows.reduce((n, r) => n + r.errors, 0)),
        sumCost(rows.map((r) => r.cost)),
        "",
      ];
      return `${title}\n${table(header, [...cells, totals], new Set([0, 6, 7, 8]))}`;
    }
    case "keys suspend": {
      const keyId = idOf("keyId", target);
      if (!opts.reason) throw new UsageError("--reason is required: the holder is told it");
      await client.apiKeys.suspend.mutate({ keyId, reason: opts.reason });
      return `Suspended key ${keyId}.`;
    }
    case "keys resume": {
      const keyId = idOf("keyId", target);
      await client.apiKeys.resume.mutate({ keyId });
      return `Resumed key ${keyId}.`;
    }
    case "keys roll": {
      const keyId = idOf("keyId", target);
      let graceMinutes: number | undefined;
      if (opts.grace !== undefined) {
        if (!/^\d{1,5}$/.test(opts.grace) || Number(opts.grace) > MAX_ROLL_GRACE_MINUTES)
          throw new UsageError(
            `--grace must be a whole number of minutes from 0 to ${MAX_ROLL_GRACE_MINUTES}`,
          );
        graceMinutes = Number(opts.grace);
      }
      const rolled = await client.apiKeys.roll.mutate({ keyId, graceMinutes });
      // never printed: a token in a terminal ends up in logs; the holder reveals it in the web app
      const own = rolled.token ? " You hold this key: reveal its new token on My keys." : "";
      return rolled.oldTokenUntil
        ? `Rolled key ${keyId}: the old token works until ${when(rolled.oldTokenUntil)}.${own}`
        : `Rolled key ${keyId}: the old token is refused from now on.${own}`;
    }
    case "keys revoke": {
      const keyId = idOf("keyId", target);
      await client.apiKeys.revoke.mutate({ keyId });
      return `Revoked key ${keyId}.`;
    }
    default:
      throw new UsageError(command ? `unknown command: ${command}` : "no command given");
  }
}
