import { spawn } from "node:child_process";
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { isInside } from "./layout";
import { handOver, type JobUser } from "./user";

// The bubblewrap sandbox of a job (SPEC §11 "Executor isolation"): the bwrap argument list that
// runs a command in its own namespaces, and the check at start that bwrap works on this machine.

/** Inside the sandbox a job's directory is `/jobs/<job id>` (the RnDFlow library reads the id from its name). */
export const JOBS_MOUNT = "/jobs";

/** Set when the sandbox cannot work here; the worker refuses to start on it (unless KEYFLOW_SANDBOX=off). */
export class SandboxUnavailableError extends Error {}

export interface Sandbox {
  bwrap: string;
  /** The system part of the argument list, the same for every job. */
  systemArgs: string[];
  /** The worker's own Node.js binary, reachable inside (bound read-only when it is not under /usr). */
  node: string;
}

/** Mirrored as they are on the host: on merged-/usr systems they are symlinks into /usr. */
const TOP_LEVEL_SYSTEM_DIRS = ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

/** The pieces of /etc jobs need, bound read-only when present; nothing else of /etc is visible. */
const ETC_ENTRIES = [
  // name resolution: DNS, /etc/hosts, service and protocol names
  "resolv.conf",
  "hosts",
  "host.conf",
  "nsswitch.conf",
  "gai.conf",
  "services",
  "protocols",
  // user and group names (no password hashes: those are in shadow), for `id`, os.userInfo()
  "passwd",
  "group",
  // TLS trust store (python's ssl, curl, openssl)
  "ssl",
  "ca-certificates",
  "ca-certificates.conf",
  // the dynamic linker and Debian's alternatives symlinks (awk, editor, …)
  "ld.so.cache",
  "ld.so.conf",
  "ld.so.conf.d",
  "alternatives",
  "localtime",
  "timezone",
  "mime.types",
];

/** Debian's python reads /etc/python3.x (sitecustomize). */
const ETC_PATTERN = /^python3(\.\d+)?$/;

/** The read-only system view: /usr, the top-level links into it, what jobs need of /etc, node. */
async function systemArgs(node: string): Promise<string[]> {
  const args = ["--ro-bind", "/usr", "/usr"];
  for (const dir of TOP_LEVEL_SYSTEM_DIRS) {
    const st = await fsp.lstat(dir).catch(() => null);
    if (st?.isSymbolicLink()) args.push("--symlink", await fsp.readlink(dir), dir);
    else if (st?.isDirectory()) args.push("--ro-bind", dir, dir);
  }
  const etc = new Set(ETC_ENTRIES);
  for (const name of await fsp.readdir("/etc")) if (ETC_PATTERN.test(name)) etc.add(name);
  for (const name of etc) args.push("--ro-bind-try", `/etc/${name}`, `/etc/${name}`);
  const nodeDir = path.dirname(node);
  if (!isInside(nodeDir, "/usr")) args.push("--ro-bind", nodeDir, nodeDir);
  return args;
}

/** The argument list running `command` sandboxed, with `jobDir` as `/jobs/<its name>`, and that path. */
export function sandboxed(
  sandbox: Sandbox,
  jobDir: string,
  command: string[],
): { argv: string[]; dir: string } {
  const dir = path.posix.join(JOBS_MOUNT, path.basename(jobDir));
  const argv = [
    sandbox.bwrap,
    // own user, PID, IPC, UTS and cgroup namespaces; the host's network (jobs call the API).
    // --unshare-user: fail rather than run without a user namespace
    "--unshare-all",
    "--share-net",
    "--unshare-user",
    // killed when the worker dies; when the job's main process ends, the PID namespace ends with
    // it, so no child survives (not even one that called setsid())
    "--die-with-parent",
    ...sandbox.systemArgs,
    "--proc",
    "/proc",
    // private /dev with null, zero, random, tty…; /dev/shm stays writable (python's multiprocessing)
    "--dev",
    "/dev",
    "--tmpfs",
    "/dev/shm",
    "--remount-ro",
    "/dev",
    "--tmpfs",
    "/tmp",
    "--bind",
    jobDir,
    dir,
    // the root itself (the mount points above) is read-only too
    "--remount-ro",
    "/",
    "--chdir",
    dir,
    "--",
    ...command,
  ];
  return { argv, dir };
}

/**
 * Finds bwrap and checks that it can build a job's sandbox here, by running `true` in one exactly
 * as a job runs (as the job user, with a job directory). Throws {@link SandboxUnavailableError}
 * saying what to do when bwrap is missing or user namespaces are off.
 */
export async function prepareSandbox(options: {
  bwrap: string | null;
  base: string;
  user?: JobUser;
}): Promise<Sandbox> {
  const off = "or set KEYFLOW_SANDBOX=off to run node jobs without a sandbox";
  if (!options.bwrap || !(await isExecutable(options.bwrap)))
    throw new SandboxUnavailableError(
      `node jobs run in a bubblewrap sandbox, but bwrap${options.bwrap ? ` (${options.bwrap})` : ""} is not installed: ` +
        `install it (apt-get install bubblewrap) ${off}`,
    );
  const node = await fsp.realpath(process.execPath);
  const sandbox: Sandbox = { bwrap: options.bwrap, systemArgs: await systemArgs(node), node };
  const container = await fsp.mkdtemp(path.join(options.base, "sandbox-check-"));
  try {
    await fsp.chmod(container, 0o711);
    const jobDir = path.join(container, "0");
    await fsp.mkdir(jobDir, { mode: 0o700 });
    if (options.user) await handOver(jobDir, options.user);
    const { code, stderr } = await runProbe(sandboxed(sandbox, jobDir, ["true"]).argv, jobDir, options.user);
    if (code !== 0)
      throw new SandboxUnavailableError(
        `bubblewrap cannot create a job sandbox (${stderr.trim() || `exit code ${code}`}): enable ` +
          `unprivileged user namespaces (sysctl user.max_user_namespaces, kernel.unprivileged_userns_clone) ${off}`,
      );
  } finally {
    await fsp.rm(container, { recursive: true, force: true });
  }
  return sandbox;
}

const isExecutable = (file: string) =>
  fsp.access(file, fs.constants.X_OK).then(
    () => true,
    () => false,
  );

function runProbe(
  argv: string[],
  cwd: string,
  user?: JobUser,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(argv[0] as string, argv.slice(1), {
      cwd,
      env: { PATH: "/usr/bin:/bin" },
      uid: user?.uid,
      gid: user?.gid,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr?.on("data", (b: Buffer) => {
      stderr += b.toString("utf8");
    });
    child.on("error", (e) => resolve({ code: null, stderr: e.message }));
    child.on("close", (code) => resolve({ code, stderr }));
  });
}
