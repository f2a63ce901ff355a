import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parse } from "yaml";
import { PROFILE_DEFAULTS } from "../model/profile-schema.ts";
import { ACTIONLINT_CONFIG_PATH, GITHUB_HOSTED_LABELS, OUTSIDER_EVENTS, GUARD_RULES } from "../audit/guard/index.ts";
import { DEFAULT_WORKFLOW_DIRS, guardCommand, NODE_WORKFLOW_FS, readProfilesFile, readWorkflows } from "./guard.ts";

const repoRoot = resolve(import.meta.dirname, "../..");
const fixtures = resolve(repoRoot, "test/fixtures/guard");
const fixtureProfiles = join(fixtures, "profiles.yaml");
const guardUrl = pathToFileURL(resolve(import.meta.dirname, "guard.ts")).href;

// Runs `runner-fleet guard ARGS` in `cwd` the way main.ts does: usage errors exit 2, findings 1.
const harness = `
const { guardCommand } = await import(${JSON.stringify(guardUrl)});
try {
  await guardCommand().parseAsync(process.argv.slice(1), { from: "user" });
} catch (e) {
  if (typeof e?.code === "string" && e.code.startsWith("commander.")) process.exitCode = e.exitCode === 0 ? 0 : 2;
  else if (e?.name === "CliError" || e?.name === "ConfigError") { process.stderr.write("runner-fleet: " + e.message + "\\n"); process.exitCode = e.exitCode ?? 2; }
  else throw e;
}`;

function guardWrapped(wrap: readonly string[], cwd: string, ...args: string[]) {
  const [cmd, ...pre] = [...wrap, process.execPath];
  const r = spawnSync(cmd!, [...pre, "--input-type=module", "-e", harness, "--", ...args], { cwd, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const guard = (cwd: string, ...args: string[]) => guardWrapped([], cwd, ...args);

function repoWith(...cases: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), "guard-repo-"));
  for (const c of cases) cpSync(join(fixtures, c), dir, { recursive: true });
  return dir;
}

test("a clean repository exits 0 and says so", () => {
  const r = guard(join(fixtures, "label-served"), "--profiles", fixtureProfiles);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^1 workflow file checked against 4 profiles from .*profiles\.yaml: no findings\n$/);
});

test("findings print as a table (file:line, job, rule, message with fix) and exit 1", () => {
  const r = guard(join(fixtures, "untrusted-trigger"), "--profiles", fixtureProfiles);
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stdout.split("\n");
  assert.match(lines[0]!, /^FILE\s+JOB\s+RULE\s+MESSAGE$/);
  assert.match(lines[2]!, /^\.github\/workflows\/untrusted-trigger\.yml:10\s+persistent\s+untrusted-trigger\s+job "persistent" can be started by outsiders.*\. Fix: run the job on/);
  assert.match(r.stdout, /: 2 findings\n$/);
});

test("--format github prints one error annotation per finding", () => {
  const r = guard(join(fixtures, "untrusted-trigger"), "--profiles", fixtureProfiles, "--format", "github");
  assert.equal(r.code, 1);
  const lines = r.stdout.trimEnd().split("\n");
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /^::error file=\.github\/workflows\/untrusted-trigger\.yml,line=10,title=runner-fleet guard%3A untrusted-trigger::job "persistent" /);
});

test("--json prints the profiles, the workflows and the findings", () => {
  const r = guard(join(fixtures, "matrix-over-budget"), "--profiles", fixtureProfiles, "--json");
  assert.equal(r.code, 1);
  const out = JSON.parse(r.stdout) as { profiles: { names: string[] }; workflows: string[]; findings: { rule: string; job: string; line: number; fix: string }[] };
  assert.deepEqual(out.profiles.names, ["gh-runner-codex", "arc-firecracker", "aws-fips", "forgejo-fenced"]);
  assert.deepEqual(out.workflows, [".github/workflows/matrix-over-budget.yml"]);
  assert.deepEqual(out.findings.map((f) => [f.job, f.rule, f.line]), [["test", "max-parallel", 10]]);
});

test("invalid YAML is reported with file and line, and the run goes on", () => {
  const r = guard(repoWith("invalid-yaml", "label-served"), "--profiles", fixtureProfiles, "--json");
  assert.equal(r.code, 1, r.stderr);
  const out = JSON.parse(r.stdout) as { workflows: string[]; findings: { file: string; rule: string; line: number }[] };
  assert.equal(out.workflows.length, 2);
  assert.deepEqual(out.findings.map((f) => [f.file, f.rule, f.line]), [[".github/workflows/invalid-yaml.yml", "yaml-syntax", 6]]);
});

interface GuardJson {
  workflows: string[];
  findings: { file: string; rule: string; line: number; job: string; message: string; fix: string }[];
}

/** A repository with the label-served workflow (no findings of its own) plus whatever `add` puts beside it. */
function repoWithBeside(add: (workflowsDir: string) => void): string {
  const dir = repoWith("label-served");
  add(join(dir, ".github/workflows"));
  return dir;
}

const servedWorkflow = readFileSync(join(fixtures, "label-served/.github/workflows/label-served.yml"));

test("a workflow file whose name is not UTF-8 is read by its bytes, checked, and reported with a rename fix", () => {
  const dir = repoWithBeside((wf) => writeFileSync(Buffer.concat([Buffer.from(`${wf}/caf`), Buffer.from([0xe9]), Buffer.from(".yml")]), servedWorkflow));
  const r = guard(dir, "--profiles", fixtureProfiles, "--json");
  assert.equal(r.code, 1, r.stderr);
  const out = JSON.parse(r.stdout) as GuardJson;
  assert.deepEqual(out.workflows, [".github/workflows/caf%E9.yml", ".github/workflows/label-served.yml"]);
  assert.deepEqual(out.findings.map((f) => [f.file, f.rule, f.job]), [[".github/workflows/caf%E9.yml", "file-name", ""]]);
  assert.match(out.findings[0]!.message, /file name is not valid UTF-8/);
  assert.match(out.findings[0]!.fix, /rename it to a UTF-8 name, e\.g\. caf_\.yml/);
});

test("a dangling symbolic link is an unreadable finding naming the link and its target; the run goes on", () => {
  const dir = repoWithBeside((wf) => symlinkSync("gone.yml", join(wf, "dangling.yml")));
  const r = guard(dir, "--profiles", fixtureProfiles, "--no-actionlint", "--json");
  assert.equal(r.code, 1, r.stderr);
  const out = JSON.parse(r.stdout) as GuardJson;
  assert.deepEqual(out.workflows, [".github/workflows/label-served.yml"]);
  assert.deepEqual(out.findings.map((f) => [f.file, f.rule]), [[".github/workflows/dangling.yml", "unreadable"]]);
  assert.match(out.findings[0]!.message, /is a dangling symbolic link to gone\.yml/);
  assert.equal(out.findings[0]!.fix, "point .github/workflows/dangling.yml at an existing workflow file, or remove it");
});

test("a symbolic link loop is reported for each link, never followed, and the run goes on", () => {
  const dir = repoWithBeside((wf) => {
    symlinkSync("loop2.yml", join(wf, "loop1.yml"));
    symlinkSync("loop1.yml", join(wf, "loop2.yml"));
  });
  const r = guard(dir, "--profiles", fixtureProfiles, "--no-actionlint");
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /\.github\/workflows\/loop1\.yml:1\s+-\s+unreadable\s+is a symbolic link to loop2\.yml that loops back on itself .*\. Fix: point \.github\/workflows\/loop1\.yml at a workflow file, or remove it/);
  assert.match(r.stdout, /\.github\/workflows\/loop2\.yml:1\s+-\s+unreadable\s+is a symbolic link to loop1\.yml that loops/);
  assert.match(r.stdout, /^1 workflow file checked against 4 profiles from .*: 2 findings$/m);
});

test("a link to a directory and a FIFO are reported, not opened", () => {
  const dir = repoWithBeside((wf) => {
    mkdirSync(join(wf, "../dir.yml"));
    symlinkSync("../dir.yml", join(wf, "to-dir.yml"));
    spawnSync("mkfifo", [join(wf, "pipe.yml")]);
  });
  const out = JSON.parse(guard(dir, "--profiles", fixtureProfiles, "--no-actionlint", "--json").stdout) as GuardJson;
  assert.deepEqual(out.findings.map((f) => [f.file, f.rule]), [[".github/workflows/pipe.yml", "unreadable"], [".github/workflows/to-dir.yml", "unreadable"]]);
  assert.match(out.findings[0]!.message, /is a FIFO, not a workflow file/);
  assert.match(out.findings[1]!.message, /is a symbolic link to \.\.\/dir\.yml, which is a directory/);
});

test("a file the user cannot read is an unreadable finding with a chmod fix (read seam)", () => {
  const dir = repoWithBeside((wf) => writeFileSync(join(wf, "locked.yml"), servedWorkflow));
  const wf = join(dir, ".github/workflows");
  const denied: typeof NODE_WORKFLOW_FS = {
    ...NODE_WORKFLOW_FS,
    readFile: (p) => {
      if (p.toString().endsWith("/locked.yml")) throw Object.assign(new Error(`EACCES: permission denied, open '${p.toString()}'`), { code: "EACCES" });
      return NODE_WORKFLOW_FS.readFile(p);
    },
  };
  const { files, findings } = readWorkflows([wf], denied);
  assert.deepEqual(files.map((f) => f.path.split("/").pop()), ["label-served.yml"]);
  assert.equal(findings.length, 1);
  const [f] = findings;
  assert.ok(f!.file.endsWith(".github/workflows/locked.yml"), f!.file);
  assert.equal(f!.rule, "unreadable");
  assert.equal(f!.message, "cannot be read (EACCES: permission denied), so none of its jobs were checked");
  assert.equal(f!.fix, `make it readable by the user running the guard (chmod a+r ${f!.file}), or run the guard as its owner`);
});

// root reads mode-000 files; without the DAC override capabilities it cannot.
const unprivileged = process.getuid?.() === 0 ? ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"] : [];

test("an unreadable file is a finding when run as a user without access; exit 2 only when nothing could be read", () => {
  const dir = repoWithBeside((wf) => {
    writeFileSync(join(wf, "locked.yml"), servedWorkflow);
    chmodSync(join(wf, "locked.yml"), 0o000);
  });
  const some = guardWrapped(unprivileged, dir, "--profiles", fixtureProfiles, "--no-actionlint", "--json");
  assert.equal(some.code, 1, some.stderr);
  const out = JSON.parse(some.stdout) as GuardJson;
  assert.deepEqual(out.workflows, [".github/workflows/label-served.yml"]);
  assert.deepEqual(out.findings.map((f) => [f.file, f.rule, f.message]), [[".github/workflows/locked.yml", "unreadable", "cannot be read (EACCES: permission denied), so none of its jobs were checked"]]);

  const only = mkdtempSync(join(tmpdir(), "guard-locked-"));
  mkdirSync(join(only, ".github/workflows"), { recursive: true });
  writeFileSync(join(only, ".github/workflows/locked.yml"), servedWorkflow);
  chmodSync(join(only, ".github/workflows/locked.yml"), 0o000);
  symlinkSync("nowhere.yml", join(only, ".github/workflows/dangling.yml"));
  const none = guardWrapped(unprivileged, only, "--profiles", fixtureProfiles, "--no-actionlint");
  assert.equal(none.code, 2, none.stdout + none.stderr);
  assert.match(none.stderr, /no workflow file in \.github\/workflows could be read:\n {2}- \.github\/workflows\/dangling\.yml: is a dangling symbolic link .*Fix: point/);
  assert.match(none.stderr, /\n {2}- \.github\/workflows\/locked\.yml: cannot be read \(EACCES: permission denied\).*Fix: make it readable .*chmod a\+r \.github\/workflows\/locked\.yml/);
});

test("by default both .github/workflows and .forgejo/workflows are read; --workflows picks directories", () => {
  const dir = repoWith("label-served", "forgejo");
  const all = JSON.parse(guard(dir, "--profiles", fixtureProfiles, "--json").stdout) as { workflows: string[] };
  assert.deepEqual(all.workflows, [".github/workflows/label-served.yml", ".forgejo/workflows/fenced.yml"]);
  const one = JSON.parse(guard(dir, "--profiles", fixtureProfiles, "--json", "--workflows", ".forgejo/workflows").stdout) as { workflows: string[] };
  assert.deepEqual(one.workflows, [".forgejo/workflows/fenced.yml"]);
});

test("the shipped profiles serve the Forgejo fixture", () => {
  const r = guard(join(fixtures, "forgejo"), "--profiles", resolve(repoRoot, "config/runner-isolation.yaml"));
  assert.equal(r.code, 0, r.stdout + r.stderr);
});

test("--emit-actionlint-config writes .github/actionlint.yaml (or the given path) and exits 0", () => {
  const dir = mkdtempSync(join(tmpdir(), "guard-emit-"));
  const r = guard(dir, "--profiles", resolve(repoRoot, "config/runner-isolation.yaml"), "--emit-actionlint-config");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /wrote \.github\/actionlint\.yaml/);
  const doc = parse(readFileSync(join(dir, ".github/actionlint.yaml"), "utf8")) as unknown;
  assert.deepEqual(doc, { "self-hosted-runner": { labels: ["build-fips", "codex", "firecracker", "gemini"] } });
  const custom = guard(dir, "--profiles", fixtureProfiles, "--emit-actionlint-config", "lint/actionlint.yaml");
  assert.equal(custom.code, 0, custom.stderr);
  assert.ok(existsSync(join(dir, "lint/actionlint.yaml")));
});

test("usage errors exit 2 with a message that says what to do", () => {
  const served = join(fixtures, "label-served");
  const cases: [string[], RegExp][] = [
    [[], /pass --profiles <file> .* or --fleet <stack-dir>/],
    [["--profiles", "nope.yaml"], /profiles file nope\.yaml does not exist/],
    [["--profiles", fixtureProfiles, "--workflows", "missing"], /workflow directory missing does not exist/],
    [["--profiles", fixtureProfiles, "--json", "--format", "table"], /give one of them/],
    [["--profiles", fixtureProfiles, "--fleet", "x"], /cannot be used with option/],
    [["--profiles", fixtureProfiles, "--format", "xml"], /Allowed choices are table, json, github/],
    [["--bogus"], /unknown option '--bogus'/],
  ];
  for (const [args, message] of cases) {
    const r = guard(served, ...args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, message, args.join(" "));
  }
  const empty = mkdtempSync(join(tmpdir(), "guard-empty-"));
  const none = guard(empty, "--profiles", fixtureProfiles);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no workflow directory found .* pass --workflows <dir>/);
  mkdirSync(join(empty, ".github/workflows"), { recursive: true });
  assert.match(guard(empty, "--profiles", fixtureProfiles).stderr, /no workflow files \(\*\.yml, \*\.yaml\) in \.github\/workflows/);
});

test("an invalid profiles file exits 2 naming the key path, line and fix", () => {
  const dir = repoWith("label-served");
  const bad = join(dir, "bad.yaml");
  writeFileSync(bad, readFileSync(fixtureProfiles, "utf8").replace("trust: untrusted", "trust: sometimes"));
  const r = guard(dir, "--profiles", "bad.yaml");
  assert.equal(r.code, 2);
  assert.match(r.stderr, /profiles\[1\]\.trust: must be one of: trusted, untrusted \(bad\.yaml:\d+\)\. Fix: use one of: trusted, untrusted/);
});

const doc = readFileSync(resolve(repoRoot, "docs/guard.md"), "utf8");

test("docs/guard.md states the defaults the code applies", () => {
  assert.ok(doc.includes(`@default ${DEFAULT_WORKFLOW_DIRS.map((d) => `\`${d}\``).join(" and ")} under the current directory`));
  const stack = guardCommand().options.find((o) => o.long === "--stack");
  assert.equal(stack?.defaultValue, undefined, "the render picks the project's only stack");
  assert.ok(doc.includes("@default the project's only stack"));
  assert.ok(doc.includes(`@default path \`${ACTIONLINT_CONFIG_PATH}\``));
  assert.ok(doc.includes(`@default \`${PROFILE_DEFAULTS.forge}\``));
  assert.ok(doc.includes(`@default \`${PROFILE_DEFAULTS.runnerGroup}\``));
});

test("docs/guard.md lists the events, rules and options the code has", () => {
  assert.ok(doc.includes(OUTSIDER_EVENTS.slice(0, -1).map((e) => `\`${e}\``).join(", ") + ` or \`${OUTSIDER_EVENTS.at(-1)}\``));
  for (const rule of Object.keys(GUARD_RULES)) assert.ok(doc.includes(`\`${rule}\``), `rule ${rule} is not documented`);
  for (const o of guardCommand().options) assert.ok(doc.includes(`\`${o.long}`), `option ${o.long} is not documented`);
  for (const label of ["ubuntu-latest", "ubuntu-24.04", "windows-2022", "macos-15"]) assert.ok(GITHUB_HOSTED_LABELS.includes(label), label);
});

// Hostile input through the command: exit 2 with one message naming the file and the fix, never an
// unexpected error or a stack trace, never a quoted credential, never a wait on a FIFO.

/** Runs the guard and checks the run ended as bad input should: exit 2, one message, no stack trace. */
function refusedRun(cwd: string, ...args: string[]) {
  const r = guard(cwd, ...args);
  assert.equal(r.code, 2, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
  assert.match(r.stderr, /^runner-fleet: /);
  assert.doesNotMatch(r.stderr, /\n\s+at |unexpected error/);
  return r.stderr;
}

test("a profiles path that is a directory, a FIFO, too large or unreadable says so and what to pass", () => {
  const dir = repoWith("label-served");
  mkdirSync(join(dir, "config"));
  writeFileSync(join(dir, "config/runner-isolation.yaml"), readFileSync(fixtureProfiles));
  assert.match(refusedRun(dir, "--profiles", "config"), /profiles file config is a directory, not a file\. Fix: pass the profiles file itself, e\.g\. --profiles config\/runner-isolation\.yaml/);
  spawnSync("mkfifo", [join(dir, "fifo.yaml")]);
  assert.match(refusedRun(dir, "--profiles", "fifo.yaml"), /profiles file fifo\.yaml is a FIFO, not a file, so it was not read\. Fix: pass the YAML profiles file/);
  writeFileSync(join(dir, "huge.yaml"), Buffer.alloc((1 << 20) + 1, 0x20));
  assert.match(refusedRun(dir, "--profiles", "huge.yaml"), /profiles file huge\.yaml is 1048577 bytes, more than a profiles file may be \(1048576 bytes\), so it was not read\. Fix: /);
  symlinkSync("loop-b.yaml", join(dir, "loop-a.yaml"));
  symlinkSync("loop-a.yaml", join(dir, "loop-b.yaml"));
  assert.match(refusedRun(dir, "--profiles", "loop-a.yaml"), /profiles file loop-a\.yaml is a symbolic link that loops back on itself\. Fix: /);
  writeFileSync(join(dir, "locked.yaml"), readFileSync(fixtureProfiles));
  chmodSync(join(dir, "locked.yaml"), 0o000);
  const locked = guardWrapped(unprivileged, dir, "--profiles", "locked.yaml");
  assert.equal(locked.code, 2, locked.stderr);
  assert.match(locked.stderr, /profiles file locked\.yaml cannot be read \(EACCES: permission denied\)\. Fix: make it readable .*chmod a\+r locked\.yaml/);
});

test("a hostile profiles file is one message with the file, line and fix: alias bomb, deep nesting, binary, UTF-16, empty, a list", () => {
  const dir = repoWith("label-served");
  const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...[..."bcdefg"].map((c, i) => `${c}: &${c} [${Array(9).fill(`*${"abcdefg"[i]}`).join(",")}]`), "profiles: [*g]", ""].join("\n");
  const cases: [string, string | Buffer, RegExp][] = [
    ["bomb.yaml", bomb, /bomb\.yaml:2:8: has YAML aliases .* "alias bomb" does\. Fix: write the values out/],
    ["deep.yaml", `profiles: ${"[".repeat(5000)}${"]".repeat(5000)}\n`, /deep\.yaml:1:\d+: nests lists and mappings .*Fix: remove the extra nesting/],
    ["binary.yaml", Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 0]), /binary\.yaml:1: is not text: it holds a NUL byte/],
    ["utf16.yaml", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("profiles: []\n", "utf16le")]), /utf16\.yaml:1: is UTF-16 text .*Fix: save it as UTF-8/],
    ["empty.yaml", "", /empty\.yaml:1: is empty/],
    ["list.yaml", "- name: x\n", /list\.yaml:1: is a list at the top, not a mapping\. Fix: put the list under a top-level profiles: key/],
  ];
  for (const [name, content, message] of cases) {
    writeFileSync(join(dir, name), content);
    const stderr = refusedRun(dir, "--profiles", name);
    assert.match(stderr, new RegExp(`^runner-fleet: runner profiles \\(${name.replace(".", "\\.")}\\) has 1 problem:\\n`));
    assert.match(stderr, message);
  }
});

test("a token pasted as a runner label is refused as a secret, at its key path, and never printed", () => {
  const dir = repoWith("label-served");
  const token = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
  writeFileSync(join(dir, "leaky.yaml"), readFileSync(fixtureProfiles, "utf8").replace("codex]", `${token}]`));
  const stderr = refusedRun(dir, "--profiles", "leaky.yaml");
  assert.ok(!stderr.includes("0123456789abcdefghij"), stderr);
  assert.match(stderr, /profiles\[0\]\.labels\[3\]: looks like a secret \(a GitHub token\), so it is not shown here.*\(leaky\.yaml:\d+\)\. Fix: remove it from the labels/);
  const emitted = refusedRun(dir, "--profiles", "leaky.yaml", "--emit-actionlint-config");
  assert.ok(!emitted.includes("0123456789abcdefghij"));
  assert.equal(existsSync(join(dir, ".github/actionlint.yaml")), false);
});

test("hostile workflow files are findings naming the file and line; none stops the run", () => {
  const dir = repoWithBeside((wf) => {
    writeFileSync(join(wf, "utf16.yml"), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(servedWorkflow.toString("utf8"), "utf16le")]));
    writeFileSync(join(wf, "binary.yml"), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 0]));
    writeFileSync(join(wf, "huge.yml"), Buffer.alloc((4 << 20) + 1, 0x20));
    writeFileSync(join(wf, "deep.yml"), `on: push\njobs:\n  a:\n    runs-on: ${"[".repeat(4000)}${"]".repeat(4000)}\n`);
    writeFileSync(join(wf, "bomb.yml"), `on: push\njobs:\n  a:\n    runs-on: [&a [x,x,x,x,x,x,x,x,x,x], &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a], &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b], &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c], *d]\n`);
  });
  const r = guard(dir, "--profiles", fixtureProfiles, "--json");
  assert.equal(r.code, 1, r.stderr);
  const out = JSON.parse(r.stdout) as GuardJson;
  const byFile = new Map(out.findings.map((f) => [f.file.split("/").pop(), f]));
  assert.match(byFile.get("utf16.yml")!.message, /is UTF-16 text .*, so none of its jobs were checked/);
  assert.match(byFile.get("utf16.yml")!.fix, /iconv -f UTF-16 -t UTF-8 \.github\/workflows\/utf16\.yml/);
  assert.match(byFile.get("binary.yml")!.message, /is not text: it holds a NUL byte/);
  assert.match(byFile.get("huge.yml")!.message, /is 4194305 bytes, more than the 4194304 the guard reads/);
  assert.equal(byFile.get("deep.yml")!.rule, "workflow-shape");
  assert.equal(byFile.get("bomb.yml")!.rule, "yaml-syntax");
  assert.deepEqual(out.workflows.map((w) => w.split("/").pop()).sort(), ["bomb.yml", "deep.yml", "label-served.yml"]);
});

test("--workflows naming a file, and --emit-actionlint-config naming a directory, say what to pass", () => {
  const dir = repoWith("label-served");
  assert.match(refusedRun(dir, "--profiles", fixtureProfiles, "--workflows", ".github/workflows/label-served.yml"), /workflow directory \.github\/workflows\/label-served\.yml is a file, not a directory; pass the directory that holds it, e\.g\. --workflows \.github\/workflows/);
  mkdirSync(join(dir, "lint.yaml"));
  assert.match(refusedRun(dir, "--profiles", fixtureProfiles, "--emit-actionlint-config", "lint.yaml"), /--emit-actionlint-config .*lint\.yaml: is a directory, so the config cannot be written there\. Fix: give the path of a file/);
});

test("readProfilesFile is what --profiles runs", () => {
  assert.equal(readProfilesFile(fixtureProfiles).length, 4);
});
