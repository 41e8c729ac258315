import fs from "node:fs";
import path from "node:path";

interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    hitCount?: number;
  }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The npm package (or workspace folder) of a frame: "hono", "pg", "packages/core", "node:internal". */
function moduleOf(url: string): string {
  if (!url) return "(native)";
  if (url.startsWith("node:")) return "node:internal";
  const file = url.replace(/^file:\/\//, "");
  const nm = file.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const [scope, name] = file.slice(nm + "node_modules/".length).split("/");
    return scope?.startsWith("@") ? `${scope}/${name}` : (scope ?? file);
  }
  const parts = path.relative(process.cwd(), file).split(path.sep);
  return parts.slice(0, 2).join("/");
}

/** Where a frame lives, short: "hono/dist/…/compose.js:12", "packages/core/src/access.ts:80". */
function where(url: string, line: number): string {
  if (!url) return "";
  const file = url.replace(/^file:\/\//, "");
  const nm = file.lastIndexOf("node_modules/");
  const short = nm >= 0 ? file.slice(nm + "node_modules/".length) : path.relative(process.cwd(), file);
  return `${short}:${line + 1}`;
}

/**
 * The functions with the most self time in a `.cpuprofile` (V8's JSON), as printable lines, in
 * percent of the busy (not idle) time; `lastS` keeps only the profile's last seconds (the load,
 * not the process's start-up).
 */
export function topFunctions(file: string, n = 20, lastS = Number.POSITIVE_INFINITY): string[] {
  const profile = JSON.parse(fs.readFileSync(file, "utf8")) as CpuProfile;
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const from = profile.endTime - lastS * 1e6;
  const self = new Map<string, number>();
  const modules = new Map<string, number>();
  let total = 0;
  let idle = 0;
  let t = profile.startTime;
  profile.samples.forEach((id, i) => {
    t += profile.timeDeltas[i] ?? 0;
    // a sample stands for the time until the next one
    const dt = profile.timeDeltas[i + 1] ?? 0;
    const node = byNode.get(id);
    if (!node || t < from) return;
    total += dt;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === "(idle)") {
      idle += dt;
      return;
    }
    const key = `${functionName || "(anonymous)"}  ${where(url, lineNumber)}`.trim();
    self.set(key, (self.get(key) ?? 0) + dt);
    const mod = moduleOf(url);
    modules.set(mod, (modules.get(mod) ?? 0) + dt);
  });
  const busy = total - idle;
  const pct = (us: number) => `${((us / busy) * 100).toFixed(1).padStart(5)} %`;
  const lines = [
    `  CPU busy ${(busy / 1000).toFixed(0)} ms of ${(total / 1000).toFixed(0)} ms (${((busy / total) * 100).toFixed(0)} %); self time in % of busy:`,
    `  by module: ${[...modules]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([m, us]) => `${m} ${((us / busy) * 100).toFixed(0)} %`)
      .join(", ")}`,
  ];
  for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, n))
    lines.push(`  ${pct(us)}  ${key}`);
  return lines;
}

/**
 * The main thread's `.cpuprofile` in a directory (`CPU.<date>.<time>.<pid>.<thread>.<seq>`): with
 * worker threads (tsx's module hooks, when a process runs under it) each writing their own profile.
 */
export function mainThreadProfile(dir: string): string {
  const file = fs.readdirSync(dir).find((f) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(f));
  if (!file) throw new Error(`no main-thread .cpuprofile in ${dir}`);
  return path.join(dir, file);
}

// `node --import tsx apps/api/bench/profile.ts <file.cpuprofile> [n]` prints one profile's top functions
if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  const [file, n] = process.argv.slice(2);
  if (!file) throw new Error("usage: profile.ts <file.cpuprofile> [top n]");
  console.log(topFunctions(file, Number(n ?? 25)).join("\n"));
}
