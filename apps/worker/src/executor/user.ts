import { execFile } from "node:child_process";
import fsp from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

// The OS user jobs run as: the privilege boundary between jobs and the worker's files.

const run = promisify(execFile);

export const JOB_USER = "keyflow-job";

export interface JobUser {
  uid: number;
  gid: number;
}

/**
 * The job user's ids, or undefined when jobs run as the worker's own user. `name` undefined
 * means the default: `keyflow-job` when the worker runs as root, otherwise none. Checks that the
 * user can reach job directories under `base`, and makes each protected directory non-listable
 * for others (mode o-rw: the postgres user still traverses it).
 */
export async function prepareJobUser(
  name: string | null | undefined,
  base: string,
  protectedDirs: string[],
): Promise<JobUser | undefined> {
  const userName = name === undefined ? (process.getuid?.() === 0 ? JOB_USER : null) : name;
  if (!userName) return undefined;
  const user = await ensureUser(userName);
  // the job user must be able to reach its directory: every parent of the base traversable
  for (let dir = path.dirname(base); ; dir = path.dirname(dir)) {
    if (((await fsp.stat(dir)).mode & 0o001) === 0)
      throw new Error(`the job user cannot traverse ${dir} (a parent of the job directory ${base})`);
    if (dir === path.dirname(dir)) break;
  }
  for (const dir of protectedDirs) {
    const s = await fsp.stat(dir).catch(() => null);
    // others keep x (the postgres user traverses it), lose r/w: nothing to list or write
    if (s?.isDirectory() && (s.mode & 0o006) !== 0) await fsp.chmod(dir, s.mode & ~0o006);
  }
  return user;
}

/** Hands the tree we just created to the job user (no symlinks in it: we made every entry). */
export async function handOver(dir: string, user: JobUser): Promise<void> {
  await fsp.lchown(dir, user.uid, user.gid);
  for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) await handOver(p, user);
    else await fsp.lchown(p, user.uid, user.gid);
  }
}

/** Takes the job directory back, so the job user can no longer change what the worker reads. */
export async function takeBack(dir: string): Promise<void> {
  await fsp.chown(dir, process.getuid?.() ?? 0, process.getgid?.() ?? 0);
  await fsp.chmod(dir, 0o700);
}

/** The user's ids; created (system user, no home, no login) when missing. */
async function ensureUser(name: string): Promise<JobUser> {
  const ids = async () => ({
    uid: Number((await run("id", ["-u", name])).stdout.trim()),
    gid: Number((await run("id", ["-g", name])).stdout.trim()),
  });
  try {
    return await ids();
  } catch {
    try {
      await run("useradd", [
        "--system",
        "--no-create-home",
        "--user-group",
        "--home-dir",
        "/nonexistent",
        "--shell",
        "/usr/sbin/nologin",
        name,
      ]);
    } catch (e) {
      // another worker created it meanwhile (exit 9: already exists)
      if ((e as { code?: number }).code !== 9)
        throw new Error(`useradd ${name} failed: ${(e as Error).message}`);
    }
    return ids();
  }
}
