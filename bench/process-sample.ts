// Whole-process measurements for the benchmarks: wall time (monotonic clock around the process),
// CPU time (user + system, GNU time's %U and %S: steadier than wall time on a busy machine) and
// peak RSS (GNU time's %M, the process's maximum resident set size).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

export interface ProcessSample {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly rssMiB: number;
}

const TIME = "/usr/bin/time";

/** Runs `cmd` (program and arguments) to completion; throws with its standard error when it fails. */
export function timedProcess(cmd: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): ProcessSample {
  if (!existsSync(TIME)) throw new Error(`${TIME} is needed (Debian package \`time\`)`);
  const started = process.hrtime.bigint();
  const r = spawnSync(TIME, ["-f", "CPU_S %U %S RSS_KIB %M", ...cmd], { cwd, env, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd.join(" ")} failed:\n${r.stderr}`);
  const m = /CPU_S ([\d.]+) ([\d.]+) RSS_KIB (\d+)\s*$/.exec(r.stderr);
  if (m === null) throw new Error(`no CPU time and peak RSS from ${TIME}:\n${r.stderr}`);
  return { wallMs, cpuMs: (Number(m[1]) + Number(m[2])) * 1000, rssMiB: Number(m[3]) / 1024 };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
