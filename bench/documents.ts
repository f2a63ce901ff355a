// Benchmark (not a test): `runner-fleet validate`, `audit` and `diff --against` on one generated
// manifest of 200,000 small documents (Namespaces, NetworkPolicies, ConfigMaps, Services,
// Deployments, Pods; see bench/manifest-corpus.ts), as whole processes, beside the floor (the same
// file parsed by the yaml package alone, bench/yaml-floor.ts) measured in the same run. Reports
// medians, documents per second, ratios against the floor and peak RSS, and checks that every
// command exits 0 or 1 and stays under 512 MiB.
//
//   npm run build && node bench/documents.ts [--documents 200000] [--runs 3]
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { writeManifestCorpus } from "./manifest-corpus.ts";

const REPO = resolve(import.meta.dirname, "..");
const { values } = parseArgs({ options: { documents: { type: "string", default: "200000" }, runs: { type: "string", default: "3" } } });
const documents = Number(values.documents);
const runs = Number(values.runs);
if (!(documents >= 1) || !(runs >= 1)) throw new Error("--documents and --runs must be at least 1");
if (!existsSync(join(REPO, "dist/cli/main.js"))) throw new Error("run `npm run build` first: the benchmark runs the CLI as users do");
if (!existsSync("/usr/bin/time")) throw new Error("/usr/bin/time is needed (Debian package `time`)");

/** Peak RSS every command must stay under. */
const RSS_LIMIT_MIB = 512;

const work = mkdtempSync(join(tmpdir(), "rf-bench-documents-"));
const manifest = join(work, "manifest.yaml");
const bytes = writeManifestCorpus(manifest, documents);

interface Sample { wall: number; rssMiB: number; code: number }
/** Runs a command with its output thrown away (as `> /dev/null`); wall time and peak RSS from /usr/bin/time. */
function timed(cmd: readonly string[]): Sample {
  const r = spawnSync("/usr/bin/time", ["-f", "%e %M", ...cmd], { cwd: REPO, encoding: "utf8", stdio: ["ignore", "ignore", "pipe"], maxBuffer: 64 * 1024 * 1024 });
  const code = r.status ?? -1;
  if (code !== 0 && code !== 1) throw new Error(`${cmd.join(" ")} exited ${code}:\n${r.stderr.slice(-4000)}`);
  const last = r.stderr.trim().split("\n").at(-1)!.split(" ");
  return { wall: Number(last[0]), rssMiB: Number(last[1]) / 1024, code };
}
const median = (xs: readonly number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };

const commands: Record<string, readonly string[]> = {
  "yaml floor": ["node", "bench/yaml-floor.ts", manifest],
  validate: ["node", "bin/runner-fleet.js", "validate", manifest],
  audit: ["node", "bin/runner-fleet.js", "audit", manifest],
  "diff --against": ["node", "bin/runner-fleet.js", "diff", "infra/pulumi/gh-runner", "--against", manifest],
};
const samples: Record<string, Sample[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
const ratios: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
for (let i = 0; i < runs; i++) {
  // Interleaved, so that load on the machine falls on every command alike; each ratio pairs a
  // command with the floor of the same round.
  const floor = timed(commands["yaml floor"]!);
  samples["yaml floor"]!.push(floor);
  ratios["yaml floor"]!.push(1);
  for (const [name, cmd] of Object.entries(commands)) {
    if (name === "yaml floor") continue;
    const s = timed(cmd);
    samples[name]!.push(s);
    ratios[name]!.push(s.wall / floor.wall);
  }
  process.stderr.write(`run ${i + 1} of ${runs} done\n`);
}
rmSync(work, { recursive: true, force: true });

console.log(`${documents.toLocaleString("en-US")} documents (${(bytes / 1024 / 1024).toFixed(1)} MiB), whole processes, output to /dev/null, median of ${runs} runs (ratio = median of wall / floor wall of the same run)\n`);
console.log("| command | wall (median) | documents/s | ratio to floor | peak RSS (median) | peak RSS (max) | exit | under 512 MiB |");
console.log("|---|---:|---:|---:|---:|---:|---:|---|");
let over = false;
for (const name of Object.keys(commands)) {
  const s = samples[name]!;
  const wall = median(s.map((x) => x.wall));
  const maxRss = Math.max(...s.map((x) => x.rssMiB));
  if (name !== "yaml floor" && maxRss >= RSS_LIMIT_MIB) over = true;
  const codes = [...new Set(s.map((x) => x.code))].join(",");
  console.log(`| ${name} | ${wall.toFixed(1)} s | ${Math.round(documents / wall).toLocaleString("en-US")} | ${median(ratios[name]!).toFixed(2)}× | ${median(s.map((x) => x.rssMiB)).toFixed(0)} MiB | ${maxRss.toFixed(0)} MiB | ${codes} | ${name === "yaml floor" ? "-" : maxRss < RSS_LIMIT_MIB ? "yes" : "NO"} |`);
}
console.log(`\ncommand lines: ${Object.values(commands).map((c) => c.join(" ").replace(manifest, "<manifest>")).join("; ")}`);
if (over) {
  console.log(`\nFAILED: a command went over ${RSS_LIMIT_MIB} MiB of peak RSS`);
  process.exitCode = 1;
}
