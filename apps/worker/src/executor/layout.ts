import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { rndflowFields } from "@keyflow/schemas";
import type { JobFile, JobOutput, JobSpec } from "./types";

// The job directory as the RnDFlow job library expects it (SPEC §6): what the executor writes
// into it before the run and reads back from `out/` afterwards.

export function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/** A relative path inside `dir`, or an error (node files and package file names are validated on save too). */
function within(dir: string, rel: string): string {
  const p = path.resolve(dir, rel);
  if (!isInside(p, dir) || p === dir) throw new Error(`unsafe path ${JSON.stringify(rel)}`);
  return p;
}

async function writeFile(file: string, content: Buffer | string, executable = false) {
  await fsp.mkdir(path.dirname(file), { recursive: true, mode: 0o755 });
  await fsp.writeFile(file, content, { mode: executable ? 0o755 : 0o644, flag: "wx" });
}

/** `<job>/` with the node's files, `in/params.json`, `in/<package>/{label, fields.json, files/…}`, `out/`. */
export async function writeJobDir(jobDir: string, spec: JobSpec): Promise<void> {
  await fsp.mkdir(jobDir, { mode: 0o700 });
  within(jobDir, spec.entry);
  // package inputs first, so a node file cannot take their place
  const input = path.join(jobDir, "in", String(spec.input.packageId));
  await writeFile(path.join(jobDir, "in", "params.json"), JSON.stringify(spec.params));
  await writeFile(path.join(input, "label"), spec.input.label);
  await writeFile(path.join(input, "fields.json"), JSON.stringify(spec.input.fields));
  await fsp.mkdir(path.join(input, "files"), { recursive: true, mode: 0o755 });
  for (const f of spec.input.files)
    await writeFile(within(path.join(input, "files"), f.name), f.bytes, f.executable);
  await fsp.mkdir(path.join(jobDir, "out"), { mode: 0o755 });
  for (const f of spec.files) {
    const rel = f.path.split("/")[0];
    if (rel === "in" || rel === "out") throw new Error(`node file ${f.path} collides with in/ or out/`);
    await writeFile(within(jobDir, f.path), f.content, f.executable);
  }
}

const MAX_OUTPUTS = 1000;
const MAX_FILES_PER_OUTPUT = 100;
const MAX_OUTPUT_FILE_BYTES = 50 * 1024 * 1024;
const MAX_SMALL_FILE_BYTES = 1024 * 1024; // label and fields.json (their limits are lower still)

/** Reads a regular file, never through a symlink. */
async function readRegular(file: string, maxBytes: number): Promise<{ bytes: Buffer; executable: boolean }> {
  const fh = await fsp.open(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new Error(`${file} is not a regular file`);
    if (st.size > maxBytes) throw new Error(`${path.basename(file)} is larger than ${maxBytes} bytes`);
    return { bytes: await fh.readFile(), executable: (st.mode & 0o100) !== 0 };
  } finally {
    await fh.close();
  }
}

async function optional<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

async function realDir(dir: string): Promise<boolean> {
  const st = await optional(fsp.lstat(dir));
  if (!st) return false;
  if (!st.isDirectory()) throw new Error(`${path.basename(dir)} must be a directory`);
  return true;
}

/** `out/<n>/{label, fields.json, files/…}` for every n, in numeric (then name) order. */
export async function readOutputs(outDir: string): Promise<JobOutput[]> {
  if (!(await realDir(outDir))) return [];
  const names = (await fsp.readdir(outDir)).sort((a, b) => {
    const [x, y] = [Number(a), Number(b)];
    if (Number.isInteger(x) && Number.isInteger(y)) return x - y;
    return a < b ? -1 : a > b ? 1 : 0;
  });
  if (names.length > MAX_OUTPUTS) throw new Error(`more than ${MAX_OUTPUTS} outputs`);
  const outputs: JobOutput[] = [];
  for (const name of names) {
    const dir = path.join(outDir, name);
    if (!(await realDir(dir))) continue;
    const label = await optional(readRegular(path.join(dir, "label"), MAX_SMALL_FILE_BYTES));
    const fieldsFile = await optional(readRegular(path.join(dir, "fields.json"), MAX_SMALL_FILE_BYTES));
    const fields = fieldsFile ? readFields(fieldsFile.bytes, name) : {};
    const files: JobFile[] = [];
    await collectFiles(path.join(dir, "files"), "", files, name);
    // a label written with a trailing newline (echo, print) means the text before it
    outputs.push({ label: label ? label.bytes.toString("utf8").replace(/\r?\n$/, "") : "", fields, files });
  }
  return outputs;
}

/** fields.json: an object `{name: value}`, or the RnDFlow list `[{name, value}]`, as REST takes them. */
function readFields(bytes: Buffer, out: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw new Error(`out/${out}/fields.json is not valid JSON`);
  }
  const fields = rndflowFields.safeParse(parsed);
  if (!fields.success)
    throw new Error(`out/${out}/fields.json must hold a JSON object or a list of {name, value} objects`);
  return fields.data;
}

async function collectFiles(dir: string, prefix: string, files: JobFile[], out: string): Promise<void> {
  if (!(await realDir(dir))) return;
  for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) await collectFiles(path.join(dir, e.name), rel, files, out);
    else if (e.isFile()) {
      if (files.length >= MAX_FILES_PER_OUTPUT)
        throw new Error(`out/${out}/files holds more than ${MAX_FILES_PER_OUTPUT} files`);
      const f = await readRegular(path.join(dir, e.name), MAX_OUTPUT_FILE_BYTES);
      files.push({ name: rel, bytes: f.bytes, executable: f.executable });
    } else throw new Error(`out/${out}/files/${rel} is not a regular file (symlinks are refused)`);
  }
}
