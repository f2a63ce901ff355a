// Benchmark (not a test) of `runner-fleet provenance record` against b3sum, sha256sum and a Python
// per-file SHA-256 script, as whole processes over the same generated tree (a few large files and
// many small ones), with a warm page cache. Runs are interleaved; medians are reported.
//
//   node bench/provenance.ts [--size-mib 1024] [--runs 5] [--keep]
//
// runner-fleet rows: bin/runner-fleet.js (the full program as installed, when `npm run build` has
// the provenance command), the provenance command alone compiled by tsc into
// .cache/bench-provenance/ (from the current sources), and the same from the TypeScript sources
// (Node type stripping). Targets are checked for each.
import { spawnSync } from "node:child_process";
import { randomFillSync } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const REPO = resolve(import.meta.dirname, "..");
const { values } = parseArgs({ options: { "size-mib": { type: "string", default: "1024" }, runs: { type: "string", default: "5" }, keep: { type: "boolean", default: false } } });
const sizeMiB = Number(values["size-mib"]);
const runs = Number(values.runs);
if (!(sizeMiB >= 16) || !(runs >= 1)) throw new Error("--size-mib must be at least 16 and --runs at least 1");
for (const tool of ["/usr/bin/time", "/usr/bin/b3sum", "/usr/bin/sha256sum"]) if (!existsSync(tool)) throw new Error(`${tool} is needed (Debian packages time, b3sum, coreutils)`);

/** Targets the record command should meet. */
const TARGETS = { wallVsB3sum: 1.5, peakRssMiB: 200, speedupVsPython: 3 };

const work = mkdtempSync(join(tmpdir(), "rf-bench-provenance-"));
const tree = join(work, "cache");

// ---- the tree: a quarter of the bytes in 4 large files, the rest in files of 512 B to 512 KiB
// (sizes log-uniform, so most are small), spread over 64 x 16 directories.
function generateTree(): { files: number; bytes: number } {
  const total = sizeMiB * 1024 * 1024;
  const pool = randomFillSync(Buffer.allocUnsafe(64 * 1024 * 1024));
  let seed = 20240901;
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const slice = (size: number) => {
    const at = Math.floor(random() * (pool.length - size));
    return pool.subarray(at, at + size);
  };
  mkdirSync(join(tree, "artifacts"), { recursive: true });
  const large = Math.floor(total / 4 / 4);
  let bytes = 0;
  let files = 0;
  for (let i = 0; i < 4; i++) {
    const parts = [];
    for (let left = large; left > 0; left -= pool.length / 2) parts.push(slice(Math.min(left, pool.length / 2)));
    writeFileSync(join(tree, "artifacts", `bundle-${i}.tar`), Buffer.concat(parts));
    bytes += large;
    files++;
  }
  for (let n = 0; bytes < total; n++) {
    const size = Math.min(total - bytes, Math.floor(512 * 1024 ** random()));
    const dir = join(tree, `pkg-${n % 64}`, `mod-${Math.floor(n / 64) % 16}`);
    if (n < 64 * 16) mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `obj-${n}.o`), slice(size));
    bytes += size;
    files++;
  }
  return { files, bytes };
}

// ---- the CLI as a process
/** `bin/runner-fleet.js` when the build has the provenance command (the full program, as installed). */
function installedCli(): string[] | undefined {
  const bin = join(REPO, "bin/runner-fleet.js");
  if (!existsSync(join(REPO, "dist/cli/provenance.js"))) return undefined;
  const help = spawnSync(process.execPath, [bin, "--help"], { encoding: "utf8" });
  return help.status === 0 && /\bprovenance\b/.test(help.stdout) ? [process.execPath, bin] : undefined;
}

/** The provenance command alone, compiled by tsc into .cache/bench-provenance/ (from the current sources). */
function compiledCommand(): string[] {
  const out = join(REPO, ".cache/bench-provenance");
  rmSync(out, { recursive: true, force: true });
  const tsc = spawnSync(
    process.execPath,
    [join(REPO, "node_modules/typescript/bin/tsc"), "--outDir", out, "--rootDir", join(REPO, "src"), "--module", "nodenext", "--target", "es2023", "--types", "node", "--skipLibCheck", "--allowImportingTsExtensions", "--rewriteRelativeImportExtensions", join(REPO, "src/cli/provenance.ts"), join(REPO, "src/provenance/hash-worker.ts")],
    { encoding: "utf8" },
  );
  if (!existsSync(join(out, "cli/provenance.js"))) throw new Error(`compiling the CLI failed:\n${tsc.stdout}${tsc.stderr}`);
  writeFileSync(join(out, "entry.mjs"), entrySource(pathToFileURL(join(out, "cli/provenance.js")).href, 2));
  return [process.execPath, join(out, "entry.mjs")];
}

/** A program with only the provenance command; `argvFrom`: where its arguments start in process.argv. */
function entrySource(commandModule: string, argvFrom: number): string {
  return [
    `import { Command } from ${JSON.stringify(pathToFileURL(join(REPO, "node_modules/commander/index.js")).href)};`,
    `import { provenanceCommand } from ${JSON.stringify(commandModule)};`,
    `await new Command("runner-fleet").addCommand(provenanceCommand()).parseAsync(process.argv.slice(${argvFrom}), { from: "user" });`,
  ].join("\n");
}

const PYTHON = `
import hashlib, os, stat, sys
root = os.fsencode(sys.argv[1])
paths = []
for dirpath, dirnames, filenames in os.walk(root):
    for name in filenames:
        full = os.path.join(dirpath, name)
        if stat.S_ISREG(os.lstat(full).st_mode):
            paths.append(os.path.relpath(full, root))
paths.sort()
manifest = hashlib.sha256()
for rel in paths:
    h = hashlib.sha256()
    size = 0
    with open(os.path.join(root, rel), "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    manifest.update(rel + h.hexdigest().encode() + str(size).encode())
print(manifest.hexdigest())
`;

interface Sample {
  wall: number;
  cpu: number;
  rssMiB: number;
  stdout: string;
}

function timed(argv: readonly string[]): Sample {
  const r = spawnSync("/usr/bin/time", ["-f", "%e %U %S %M", "-o", join(work, "time.txt"), ...argv], { encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${argv.join(" ")} failed (${r.status}): ${r.stderr}`);
  const [wall, user, sys, rssKiB] = readFileSync(join(work, "time.txt"), "utf8").trim().split(/\s+/).slice(-4).map(Number);
  return { wall: wall!, cpu: user! + sys!, rssMiB: rssKiB! / 1024, stdout: r.stdout };
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

process.stderr.write(`generating ${sizeMiB} MiB in ${tree} ...\n`);
const generated = generateTree();
writeFileSync(join(work, "sha256-manifest.py"), PYTHON);
const installed = installedCli();
const sourceEntry = entrySource(pathToFileURL(join(REPO, "src/cli/provenance.ts")).href, 1);
const out = join(work, "records");
const recordArgs = ["provenance", "record", "--stage", "bench", "--cache-dir", tree, "--output", out, "--json"];
const listAll = (tool: string) => ["sh", "-c", `cd "$1" && find . -type f -print0 | xargs -0 ${tool} > /dev/null`, "sh", tree];

const ours: { name: string; argv: string[] }[] = [
  ...(installed ? [{ name: "runner-fleet provenance record (bin/runner-fleet.js, full program)", argv: [...installed, ...recordArgs] }] : []),
  { name: "provenance record, command alone (compiled)", argv: [...compiledCommand(), ...recordArgs] },
  { name: "provenance record, command alone (from source)", argv: [process.execPath, "--input-type=module", "-e", sourceEntry, "--", ...recordArgs] },
];
const tools: { name: string; argv: string[] }[] = [
  ...ours,
  { name: "b3sum (find \\| xargs b3sum)", argv: listAll("b3sum") },
  { name: "sha256sum (find \\| xargs sha256sum)", argv: listAll("sha256sum") },
  { name: "python3 per-file SHA-256 manifest", argv: ["python3", join(work, "sha256-manifest.py"), tree] },
];

// Warm-up (also fills the page cache), and a cross-check: the Python script computes the same SHA-256 manifest.
const loadBefore = readFileSync("/proc/loadavg", "utf8").split(" ")[0];
const warm = tools.map((t) => timed(t.argv));
const pythonManifest = warm[tools.length - 1]!.stdout.trim();
for (const [i, t] of ours.entries()) {
  const recorded = JSON.parse(warm[i]!.stdout) as { sha256_manifest: string };
  if (recorded.sha256_manifest !== pythonManifest) throw new Error(`manifests disagree: ${t.name} ${recorded.sha256_manifest}, python ${pythonManifest}`);
}

const samples = tools.map((): Sample[] => []);
for (let i = 0; i < runs; i++) {
  tools.forEach((t, j) => samples[j]!.push(timed(t.argv)));
  rmSync(out, { recursive: true, force: true });
  process.stderr.write(`run ${i + 1}/${runs} done\n`);
}
if (!values.keep) rmSync(work, { recursive: true, force: true });
const loadAfter = readFileSync("/proc/loadavg", "utf8").split(" ")[0];

const med = samples.map((s) => ({ wall: median(s.map((x) => x.wall)), cpu: median(s.map((x) => x.cpu)), rss: median(s.map((x) => x.rssMiB)) }));
const b3 = med[tools.findIndex((t) => t.name.startsWith("b3sum"))]!;
const py = med[tools.length - 1]!;
const lines = [
  `Tree: ${generated.files} files, ${(generated.bytes / 2 ** 20).toFixed(0)} MiB (4 files of ${(generated.bytes / 4 / 4 / 2 ** 20).toFixed(0)} MiB, the rest 512 B-512 KiB); warm page cache.`,
  `Machine: ${availableParallelism()} CPUs (${cpus()[0]?.model ?? "unknown"}), Node ${process.version}, load average ${loadBefore} before and ${loadAfter} after. Median of ${runs} interleaved runs after one warm-up. All SHA-256 manifests agree: ${pythonManifest}.`,
  "",
  "| command | wall | CPU (user+sys) | peak RSS | wall / b3sum | Python wall / wall |",
  "|---|---:|---:|---:|---:|---:|",
  ...tools.map((t, j) => {
    const m = med[j]!;
    return `| ${t.name} | ${m.wall.toFixed(2)} s | ${m.cpu.toFixed(2)} s | ${m.rss.toFixed(0)} MiB | ${(m.wall / b3.wall).toFixed(2)}× | ${(py.wall / m.wall).toFixed(2)}× |`;
  }),
  "",
  `Targets: wall within ${TARGETS.wallVsB3sum}× of b3sum, peak RSS under ${TARGETS.peakRssMiB} MiB, at least ${TARGETS.speedupVsPython}× faster than the Python script.`,
  ...ours.map((t, j) => {
    const m = med[j]!;
    const verdict = (ok: boolean) => (ok ? "met" : "NOT met");
    return `- ${t.name}: ${(m.wall / b3.wall).toFixed(2)}× b3sum (${verdict(m.wall <= TARGETS.wallVsB3sum * b3.wall)}), ${m.rss.toFixed(0)} MiB (${verdict(m.rss < TARGETS.peakRssMiB)}), ${(py.wall / m.wall).toFixed(2)}× Python (${verdict(py.wall / m.wall >= TARGETS.speedupVsPython)})`;
  }),
];
const report = lines.join("\n") + "\n";
process.stdout.write(report);
mkdirSync(join(REPO, "bench/results"), { recursive: true });
writeFileSync(join(REPO, "bench/results/provenance.md"), report);
