import fs from "node:fs";

/** Linux's USER_HZ: /proc reports CPU time in ticks of 1/100 s (`getconf CLK_TCK`). */
const TICKS_PER_S = 100;

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat; 0 once it is gone. */
function cpuSeconds(pid: number): number {
  try {
    // the command name (field 2) may hold spaces: count fields after its closing parenthesis
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
  } catch {
    return 0;
  }
}

/** The postmaster started on `dataDirPrefix` (its `-D` argument) and its backends. */
function postgresPids(dataDirPrefix: string): number[] {
  const pids = fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  const cmdline = (pid: string) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    } catch {
      return [];
    }
  };
  const postmaster = pids.find((pid) => {
    const args = cmdline(pid);
    return args[0]?.endsWith("/postgres") && args[args.indexOf("-D") + 1]?.startsWith(dataDirPrefix);
  });
  if (!postmaster) return [];
  const parentOf = (pid: string) => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1];
    } catch {
      return undefined;
    }
  };
  return [Number(postmaster), ...pids.filter((pid) => parentOf(pid) === postmaster).map(Number)];
}

/**
 * Where a measured run's CPU went: the API process, PostgreSQL (postmaster and backends) and this
 * process (the load generator, or (d)'s pg pool). A CPU profile's self times cannot say this: its
 * samples also land in a syscall while the process waits to be scheduled again.
 */
export class CpuMeter {
  private start: { api: number | null; pg: Map<number, number>; self: number } | null = null;

  constructor(
    private readonly apiPid: number | null,
    private readonly dataDirPrefix: string,
  ) {}

  private read() {
    const self = process.cpuUsage();
    return {
      api: this.apiPid === null ? null : cpuSeconds(this.apiPid),
      pg: new Map(postgresPids(this.dataDirPrefix).map((pid) => [pid, cpuSeconds(pid)])),
      self: (self.user + self.system) / 1e6,
    };
  }

  begin() {
    this.start = this.read();
  }

  /** µs of CPU per request since begin(), for `requests` requests; `api` null without an API process. */
  end(requests: number) {
    const end = this.read();
    const start = this.start ?? end;
    // a backend that ended meanwhile is not counted; one that started is counted whole
    let pg = 0;
    for (const [pid, s] of end.pg) pg += s - (start.pg.get(pid) ?? 0);
    const per = (s: number) => (requests > 0 ? (s * 1e6) / requests : 0);
    const api = end.api === null || start.api === null ? null : per(end.api - start.api);
    return { api, pg: per(pg), client: per(end.self - start.self) };
  }
}
