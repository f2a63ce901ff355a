// Benchmark (not a test): offline render of generated gh-runner stacks with 1, 10, 100 and 500
// runners, as whole processes, beside the floor (the same resources registered directly with the
// Pulumi SDK under the same mocks), measured in the same run. Reports medians and ratios.
//
//   npm run build && node bench/render.ts [--runs 5] [--sizes 1,10,100,500]
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { parse, stringify } from "yaml";
import { renderGhRunnerFleet, resolveGhRunnerFleet } from "../src/index.ts";

const REPO = resolve(import.meta.dirname, "..");
const STACK = join(REPO, "infra/pulumi/gh-runner");
const { values } = parseArgs({ options: { runs: { type: "string", default: "5" }, sizes: { type: "string", default: "1,10,100,500" } } });
const runs = Number(values.runs);
const sizes = values.sizes.split(",").map(Number);
if (!existsSync(join(REPO, "dist/cli/main.js"))) throw new Error("run `npm run build` first: the benchmark runs the CLI as users do");
if (!existsSync("/usr/bin/time")) throw new Error("/usr/bin/time is needed (Debian package `time`)");

const work = mkdtempSync(join(tmpdir(), "rf-bench-"));
const devConfig = parse(readFileSync(join(STACK, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };

function stackConfigWith(n: number): Record<string, unknown> {
  const template = (devConfig.config["gh-runner:runners"] as Record<string, unknown>[])[0]!;
  const runners = Array.from({ length: n }, (_, i) => ({ ...template, name: `runner-${i}`, labels: [`pool-${i % 7}`], volumes: [{ claimName: `runner-${i}-home`, mountPath: "/home/runner", name: "home" }] }));
  return { ...devConfig.config, "gh-runner:runners": runners };
}

interface Sample { wall: number; rssMiB: number }
function timed(cmd: string[]): Sample {
  const r = spawnSync("/usr/bin/time", ["-f", "%e %M", ...cmd], { cwd: REPO, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd.join(" ")} failed:\n${r.stderr}`);
  const last = r.stderr.trim().split("\n").at(-1)!.split(" ");
  return { wall: Number(last[0]), rssMiB: Number(last[1]) / 1024 };
}
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };

const rows: string[] = [];
const perSize: { n: number; render: number; floor: number }[] = [];
for (const n of sizes) {
  const config = stackConfigWith(n);
  const configFile = join(work, `Pulumi.bench-${n}.yaml`);
  writeFileSync(configFile, stringify({ config }, { aliasDuplicateObjects: false }));
  // The floor registers exactly the objects the stack renders (computed once, outside the timing).
  const fleet = { githubRepo: config["gh-runner:githubRepo"], namespace: config["gh-runner:namespace"], runners: config["gh-runner:runners"], codexConfig: config["gh-runner:codexConfig"] };
  const docs = renderGhRunnerFleet(resolveGhRunnerFleet(fleet));
  const objectsFile = join(work, `objects-${n}.json`);
  writeFileSync(objectsFile, JSON.stringify([...docs.configMaps, ...docs.deployments]));
  const renderCmd = ["node", "bin/runner-fleet.js", "render", STACK, "--config-file", configFile, "--out", join(work, `out-${n}`), "--json"];
  const floorCmd = ["node", "bench/render-floor.ts", objectsFile];
  timed(renderCmd); timed(floorCmd); // warm-up
  const a: Sample[] = [], b: Sample[] = [], ratios: number[] = [], rssRatios: number[] = [];
  for (let i = 0; i < runs; i++) {
    const x = timed(renderCmd), y = timed(floorCmd);
    a.push(x); b.push(y); ratios.push(x.wall / y.wall); rssRatios.push(x.rssMiB / y.rssMiB);
  }
  const rw = median(a.map((s) => s.wall)), fw = median(b.map((s) => s.wall));
  perSize.push({ n, render: rw, floor: fw });
  rows.push(`| ${n} | ${rw.toFixed(2)} s | ${fw.toFixed(2)} s | ${median(ratios).toFixed(2)}× | ${median(a.map((s) => s.rssMiB)).toFixed(0)} MiB | ${median(b.map((s) => s.rssMiB)).toFixed(0)} MiB | ${median(rssRatios).toFixed(2)}× |`);
  process.stderr.write(`runners=${n} done\n`);
}
rmSync(work, { recursive: true, force: true });

console.log(`Offline render, whole processes, median of ${runs} runs after one warm-up (ratio = median of pairwise render/floor)\n`);
console.log("| runners | render wall | floor wall | wall ratio | render peak RSS | floor peak RSS | RSS ratio |");
console.log("|---:|---:|---:|---:|---:|---:|---:|");
for (const r of rows) console.log(r);
if (perSize.length >= 2) {
  console.log("\nMarginal cost per runner (render − floor between sizes):");
  for (let i = 1; i < perSize.length; i++) {
    const p = perSize[i - 1]!, q = perSize[i]!;
    const ms = ((q.render - p.render) / (q.n - p.n)) * 1000, fms = ((q.floor - p.floor) / (q.n - p.n)) * 1000;
    console.log(`- ${p.n} → ${q.n}: render ${ms.toFixed(2)} ms/runner, floor ${fms.toFixed(2)} ms/runner`);
  }
}
