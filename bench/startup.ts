// Benchmark (not a test): start-up time and peak RSS of importing the package's entry points, as
// whole processes, against importing plain `@pulumi/kubernetes` (the baseline) in the same run.
// Each program is `node --input-type=module -e 'await import(X)'` run from a stack of this
// repository, so `runner-fleet/...` resolves through the package's exports map to the built dist/.
// Runs are interleaved (one of each in turn) after one warm-up each; reports medians and the median
// of the per-round ratios against the baseline.
//
//   npm run build && node bench/startup.ts [--runs 11]
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { interleaved, median } from "./process-sample.ts";

const REPO = resolve(import.meta.dirname, "..");
const CONSUMER = join(REPO, "infra/pulumi/gh-runner");
const { values } = parseArgs({ options: { runs: { type: "string", default: "11" } } });
const runs = Number(values.runs);
if (!existsSync(join(REPO, "dist/entries/kubernetes.js"))) throw new Error("run `npm run build` first: the benchmark imports the built package");

const BASELINE = "@pulumi/kubernetes";
const SPECIFIERS = [BASELINE, "runner-fleet", "runner-fleet/kubernetes", "runner-fleet/model"] as const;
const command = (specifier: string) => [process.execPath, "--input-type=module", "-e", `await import(${JSON.stringify(specifier)});`];

// Fail early, with the reason, when an entry does not load.
for (const s of SPECIFIERS) {
  const r = spawnSync(process.execPath, command(s).slice(1), { cwd: CONSUMER, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`importing ${s} failed:\n${r.stderr}`);
}

const { samples, ratios } = interleaved(new Map(SPECIFIERS.map((s) => [s, command(s)] as const)), BASELINE, runs, CONSUMER);

console.log(`Start-up: \`node -e 'await import(X)'\`, whole processes, median of ${runs} interleaved runs after one warm-up (ratio = median of per-round X/baseline; baseline = ${BASELINE})\n`);
console.log("| import | wall | wall ratio | CPU | CPU ratio | peak RSS | RSS ratio |");
console.log("|---|---:|---:|---:|---:|---:|---:|");
for (const s of SPECIFIERS) {
  const xs = samples.get(s)!, r = ratios.get(s)!;
  const label = s === BASELINE ? `${s} (baseline)` : s;
  console.log(`| \`${label}\` | ${median(xs.map((x) => x.wallMs)).toFixed(0)} ms | ${median(r.wall).toFixed(2)}× | ${median(xs.map((x) => x.cpuMs)).toFixed(0)} ms | ${median(r.cpu).toFixed(2)}× | ${median(xs.map((x) => x.rssMiB)).toFixed(0)} MiB | ${median(r.rss).toFixed(2)}× |`);
}
