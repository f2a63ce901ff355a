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

/** Per-command samples and per-round ratios against the baseline, from {@link interleaved}. */
export interface Interleaved {
  readonly samples: ReadonlyMap<string, ProcessSample[]>;
  readonly ratios: ReadonlyMap<string, { wall: number[]; cpu: number[]; rss: number[] }>;
}

/**
 * Runs every command once as a warm-up, then `runs` rounds of one run of each in turn, and gives
 * each run's figures and its ratio to the baseline's run of the same round (the machine's drift
 * cancels out of a ratio taken within a round).
 */
export function interleaved(commands: ReadonlyMap<string, readonly string[]>, baseline: string, runs: number, cwd: string): Interleaved {
  const names = [...commands.keys()];
  const samples = new Map<string, ProcessSample[]>(names.map((s) => [s, []]));
  const ratios = new Map<string, { wall: number[]; cpu: number[]; rss: number[] }>(names.map((s) => [s, { wall: [], cpu: [], rss: [] }]));
  for (const cmd of commands.values()) timedProcess(cmd, cwd); // warm-up (file-system and compile caches)
  for (let i = 0; i < runs; i++) {
    const round = new Map([...commands].map(([s, cmd]) => [s, timedProcess(cmd, cwd)] as const));
    const base = round.get(baseline)!;
    for (const [s, x] of round) {
      samples.get(s)!.push(x);
      ratios.get(s)!.wall.push(x.wallMs / base.wallMs);
      ratios.get(s)!.cpu.push(x.cpuMs / base.cpuMs);
      ratios.get(s)!.rss.push(x.rssMiB / base.rssMiB);
    }
    process.stderr.write(`round ${i + 1}/${runs}\n`);
  }
  return { samples, ratios };
}
