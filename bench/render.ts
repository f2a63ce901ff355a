// Benchmark (not a test): offline render of generated gh-runner stacks (1, 10, 100, 200 and 500
// runners by default), as whole processes, beside the floor (bench/render-floor.ts: the same
// Kubernetes objects registered directly with the Pulumi SDK under the same mocks, nothing else),
// measured in the same run. Both run as `node <file> ...` with the same Node flags, and both enable
// Node's compile cache as bin/runner-fleet.js does. Pairs (render, floor) alternate, after one
// warm-up each; reports medians, the median of the pairwise ratios, and the marginal cost per runner.
//
//   npm run build && node bench/render.ts [--runs 7] [--sizes 1,10,100,200,500]
//
// The gh-runner stack reads at most 1000 runners (GH_RUNNER_SETTINGS), so larger sizes are refused
// by the stack itself and reported as such.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { parse, stringify } from "yaml";
import { renderGhRunnerFleet, resolveGhRunnerFleet } from "../src/entries/model.ts";
import { median, timedProcess, type ProcessSample } from "./process-sample.ts";

const REPO = resolve(import.meta.dirname, "..");
const STACK = join(REPO, "infra/pulumi/gh-runner");
const { values } = parseArgs({ options: { runs: { type: "string", default: "7" }, sizes: { type: "string", default: "1,10,100,200,500" } } });
const runs = Number(values.runs);
const sizes = values.sizes.split(",").map(Number);
if (!existsSync(join(REPO, "dist/cli/main.js"))) throw new Error("run `npm run build` first: the benchmark runs the CLI as users do");

const work = mkdtempSync(join(tmpdir(), "rf-bench-"));
const devConfig = parse(readFileSync(join(STACK, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };

function stackConfigWith(n: number): Record<string, unknown> {
  const template = (devConfig.config["gh-runner:runners"] as Record<string, unknown>[])[0]!;
  const runners = Array.from({ length: n }, (_, i) => ({ ...template, name: `runner-${i}`, labels: [`pool-${i % 7}`], volumes: [{ claimName: `runner-${i}-home`, mountPath: "/home/runner", name: "home" }] }));
  return { ...devConfig.config, "gh-runner:runners": runners };
}

interface Row { n: number; render: ProcessSample; floor: ProcessSample; wallRatio: number; cpuRatio: number; rssRatio: number; resources: number }
const rows: Row[] = [];
const refused: string[] = [];
for (const n of sizes) {
  const config = stackConfigWith(n);
  const configFile = join(work, `Pulumi.bench-${n}.yaml`);
  writeFileSync(configFile, stringify({ config }, { aliasDuplicateObjects: false }));
  // The floor registers exactly the objects the stack renders (computed once, outside the timing).
  const fleet = { githubRepo: config["gh-runner:githubRepo"], namespace: config["gh-runner:namespace"], runners: config["gh-runner:runners"], codexConfig: config["gh-runner:codexConfig"] };
  const docs = renderGhRunnerFleet(resolveGhRunnerFleet(fleet));
  const objectsFile = join(work, `objects-${n}.json`);
  writeFileSync(objectsFile, JSON.stringify([...docs.configMaps, ...docs.deployments]));
  const out = join(work, `out-${n}`);
  const renderCmd = [process.execPath, "bin/runner-fleet.js", "render", STACK, "--config-file", configFile, "--out", out, "--json"];
  const floorCmd = [process.execPath, "bench/render-floor.ts", objectsFile];
  const check = spawnSync(renderCmd[0]!, renderCmd.slice(1), { cwd: REPO, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (check.status !== 0) {
    refused.push(`- ${n} runners: the render refuses them (exit ${check.status}): ${check.stderr.trim().split("\n").slice(-1)[0] ?? ""}`);
    continue;
  }
  // The same objects on both sides: what the render wrote is what the floor registers.
  const written = (JSON.parse(check.stdout) as { resources: { type: string }[] }).resources.filter((r) => r.type.startsWith("kubernetes:")).length;
  if (written !== docs.configMaps.length + docs.deployments.length) throw new Error(`${n} runners: the render wrote ${written} objects, the floor registers ${docs.configMaps.length + docs.deployments.length}`);
  timedProcess(floorCmd, REPO); // warm-up (the render was run once just above)
  const a: ProcessSample[] = [], b: ProcessSample[] = [], wall: number[] = [], cpu: number[] = [], rss: number[] = [];
  for (let i = 0; i < runs; i++) {
    const x = timedProcess(renderCmd, REPO), y = timedProcess(floorCmd, REPO);
    a.push(x); b.push(y); wall.push(x.wallMs / y.wallMs); cpu.push(x.cpuMs / y.cpuMs); rss.push(x.rssMiB / y.rssMiB);
  }
  const med = (xs: ProcessSample[]): ProcessSample => ({ wallMs: median(xs.map((s) => s.wallMs)), cpuMs: median(xs.map((s) => s.cpuMs)), rssMiB: median(xs.map((s) => s.rssMiB)) });
  rows.push({ n, render: med(a), floor: med(b), wallRatio: median(wall), cpuRatio: median(cpu), rssRatio: median(rss), resources: written });
  process.stderr.write(`runners=${n} done\n`);
}
rmSync(work, { recursive: true, force: true });

console.log(`Offline render vs floor, whole processes, median of ${runs} alternating runs after one warm-up (ratio = median of pairwise render/floor)\n`);
console.log("| runners | objects | render wall | floor wall | wall ratio | render CPU | floor CPU | CPU ratio | render peak RSS | floor peak RSS | RSS ratio |");
console.log("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
for (const r of rows) {
  const ms = (x: number) => `${x.toFixed(0)} ms`, mib = (x: number) => `${x.toFixed(0)} MiB`, ratio = (x: number) => `${x.toFixed(2)}×`;
  console.log(`| ${r.n} | ${r.resources} | ${ms(r.render.wallMs)} | ${ms(r.floor.wallMs)} | ${ratio(r.wallRatio)} | ${ms(r.render.cpuMs)} | ${ms(r.floor.cpuMs)} | ${ratio(r.cpuRatio)} | ${mib(r.render.rssMiB)} | ${mib(r.floor.rssMiB)} | ${ratio(r.rssRatio)} |`);
}
if (rows.length >= 2) {
  console.log("\nMarginal cost per runner (difference of medians between sizes, divided by the runners added):\n");
  console.log("| runners | render wall | floor wall | render CPU | floor CPU | render CPU beyond the floor | render RSS | floor RSS |");
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
  const pairs = rows.slice(1).map((q, i) => [rows[i]!, q] as const);
  if (rows.length > 2) pairs.push([rows[0]!, rows.at(-1)!]);
  for (const [p, q] of pairs) {
    const per = (f: (r: Row) => number) => (f(q) - f(p)) / (q.n - p.n);
    const ms = (x: number) => `${x.toFixed(2)} ms`, kib = (x: number) => `${(x * 1024).toFixed(0)} KiB`;
    const rc = per((r) => r.render.cpuMs), fc = per((r) => r.floor.cpuMs);
    console.log(`| ${p.n} → ${q.n} | ${ms(per((r) => r.render.wallMs))} | ${ms(per((r) => r.floor.wallMs))} | ${ms(rc)} | ${ms(fc)} | ${ms(rc - fc)} | ${kib(per((r) => r.render.rssMiB))} | ${kib(per((r) => r.floor.rssMiB))} |`);
  }
}
for (const r of refused) console.log(r);
