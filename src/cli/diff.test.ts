import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { CommanderError } from "commander";
import { parseAllDocuments, stringify } from "yaml";
import type { DriftReport } from "../audit/diff/index.ts";
import { CliError, EXIT } from "./output.ts";
import { diffCommand, kubernetesObjects, readManifest, runDiff, type RenderedStackLike } from "./diff.ts";
import { loadFixture } from "../../test/fixtures/diff/objects.ts";

const repoRoot = path.resolve(import.meta.dirname, "../..");
const fixture = (name: string) => path.join("test/fixtures/diff", name);
const inRepo = { cwd: repoRoot };
process.chdir(inRepo.cwd);

function usageError(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CliError, String(e));
    assert.equal(e.exitCode, EXIT.usage);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

test("runDiff against a kubectl export of the same objects: no drift, exit 0", () => {
  const outcome = runDiff(loadFixture("stack-objects.yaml"), fixture("kubectl-export.yaml"), { desiredLabel: 'stack "dev"' });
  assert.equal(outcome.exitCode, EXIT.ok);
  assert.equal(outcome.report.drift, false);
  assert.match(outcome.text, /^no drift: 3 objects match$/m);
});

test("runDiff against drifted manifests: the differences by object, exit 1, no secret value", () => {
  const outcome = runDiff(loadFixture("stack-objects.yaml"), fixture("drifted.yaml"));
  assert.equal(outcome.exitCode, EXIT.findings);
  assert.match(outcome.text, /^ {4}spec\.template\.spec\.containers\[name=runner\]\.env\[name=ACTIONS_RUNNER_INPUT_LABELS\]\.value: "self-hosted,linux" -> "self-hosted,linux,x64"$/m);
  assert.match(outcome.text, /^- v1 ConfigMap runners\/legacy-runner-config: only in test\/fixtures\/diff\/drifted\.yaml \(not managed by the stack\)$/m);
  assert.doesNotMatch(outcome.text + JSON.stringify(outcome.report), /Z2hzX2FEaWZmZXJlbnRGYWtlVG9rZW4|aHR0cHM6Ly9naXRodWIuZXhhbXBsZS5jb20vYWNtZQ/);
});

test("--ignore paths are left out of the comparison", () => {
  const outcome = runDiff(loadFixture("stack-objects.yaml"), fixture("drifted.yaml"), { ignore: ["spec.replicas", "data"] });
  assert.doesNotMatch(outcome.text, /spec\.replicas|data\["config\.yaml"\]/);
  assert.match(outcome.text, /metadata\.labels\.team/);
});

test("manifests are read as YAML 1.1, like kubectl: an unquoted 0644 is the octal mode 420", () => {
  const text = readFileSync(fixture("stack-objects.yaml"), "utf8");
  const withMode = text.replace("          configMap:\n            name: gh-runner-a-config\n", "          configMap:\n            name: gh-runner-a-config\n            defaultMode: 0644\n");
  assert.notEqual(withMode, text);
  const file = path.join(mkdtempSync(path.join(tmpdir(), "rf-diff-")), "live.yaml");
  writeFileSync(file, withMode);
  assert.equal(runDiff(loadFixture("stack-objects.yaml"), file).report.drift, false);
  writeFileSync(file, withMode.replace("defaultMode: 0644", "defaultMode: 0600"));
  assert.deepEqual(runDiff(loadFixture("stack-objects.yaml"), file).report.changed[0]?.fields, [
    { path: "spec.template.spec.volumes[name=config].configMap.defaultMode", change: "only-actual", actual: 0o600, serverDefault: 0o644 },
  ]);
});

test("readManifest expands kind: List and typed lists whose items carry no kind", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "rf-diff-"));
  const file = path.join(dir, "live.yaml");
  writeFileSync(
    file,
    stringify({ apiVersion: "apps/v1", kind: "DeploymentList", items: [{ metadata: { name: "a", namespace: "runners" } }] }) +
      "---\n" +
      stringify({ apiVersion: "v1", kind: "List", items: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "b", namespace: "runners" } }] }) +
      "---\n",
  );
  assert.deepEqual(
    readManifest(file).map((o) => [o.apiVersion, o.kind, o.metadata.name]),
    [
      ["apps/v1", "Deployment", "a"],
      ["v1", "ConfigMap", "b"],
    ],
  );
});

test("manifest problems: every one at once, with file:line and a fix, exit 2", () => {
  usageError(() => readManifest("test/fixtures/diff/no-such.yaml"), /^--against test\/fixtures\/diff\/no-such\.yaml: no such file\. Fix: pass a YAML manifest/);
  usageError(() => readManifest("test/fixtures/diff"), /is a directory\. Fix: pass one YAML file/);
  usageError(
    () => readManifest(fixture("bad-syntax.yaml")),
    /^test\/fixtures\/diff\/bad-syntax\.yaml has 2 problems:/,
    /bad-syntax\.yaml:5:3: Map keys must be unique\. Fix: correct the YAML syntax of document 1/,
    /bad-syntax\.yaml:8:1: Flow sequence .*\]\. Fix: correct the YAML syntax of document 1/,
  );
  usageError(
    () => readManifest(fixture("broken.yaml")),
    /broken\.yaml:7:1: document 2 has no metadata\.name\. Fix: every document must be a Kubernetes object with apiVersion, kind and metadata\.name/,
    /broken\.yaml:14:1: document 3 is a list, not a mapping\. Fix: /,
    /broken\.yaml:17:1: document 4 has metadata\.namespace false, which is a boolean, not a string \(quote it: YAML reads unquoted y, n, yes, no, on, off and numbers as other types\)\. Fix: /,
  );
  const dir = mkdtempSync(path.join(tmpdir(), "rf-diff-"));
  const twice = path.join(dir, "twice.yaml");
  const cm = stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", namespace: "runners" } });
  writeFileSync(twice, `${cm}---\n${cm}`);
  usageError(() => readManifest(twice), new RegExp(`twice\\.yaml:7:1: document 2 is v1 ConfigMap runners/x again \\(first at ${dir}/twice\\.yaml:1:1\\)\\. Fix: keep one copy of each object`));
});

const rendered: RenderedStackLike = {
  project: "fleet",
  stack: "dev",
  resources: [
    { type: "pulumi:providers:kubernetes", name: "k8s", custom: true, inputs: { kubeconfig: "[secret]" } },
    { type: "runner-fleet:index:GhRunnerFleet", name: "fleet", custom: false, inputs: {} },
    { type: "kubernetes:helm.sh/v3:Release", name: "arc", custom: true, inputs: { chart: "gha-runner-scale-set", values: {} } },
    { type: "kubernetes:core/v1:ConfigMap", name: "unnamed", custom: true, inputs: { apiVersion: "v1", kind: "ConfigMap", metadata: { namespace: "runners" } } },
    { type: "command:local:Command", name: "cmd", custom: true, inputs: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "not-kubernetes" } } },
    ...loadFixture("stack-objects.yaml").map((o) => ({ type: `kubernetes:${o.apiVersion.includes("/") ? o.apiVersion : `core/${o.apiVersion}`}:${o.kind}`, name: o.metadata.name, custom: true, inputs: o })),
  ],
};

test("kubernetesObjects: Kubernetes resources only; Helm releases and unnamed objects are skipped with the reason", () => {
  const { objects, skipped } = kubernetesObjects(rendered);
  assert.deepEqual(
    objects.map((o) => o.metadata.name),
    ["gh-runner-a-config", "gh-runner-a-token", "gh-runner-a"],
  );
  assert.deepEqual(skipped, [
    'kubernetes:helm.sh/v3:Release "arc": not a single Kubernetes object (a Helm release or a group of manifests); compare its rendered objects instead',
    'kubernetes:core/v1:ConfigMap "unnamed": has no metadata.name; give it an explicit metadata.name so it can be matched',
  ]);
});

interface CommandRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly stacks: string[];
}

async function runCommand(...args: string[]): Promise<CommandRun> {
  let stdout = "";
  let stderr = "";
  const stacks: string[] = [];
  const cmd = diffCommand({
    renderStack: (_dir, opts) => {
      stacks.push(opts.stack ?? "(the project's only stack)");
      return Promise.resolve(rendered);
    },
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  }).configureOutput({ writeOut: () => {}, writeErr: () => {} });
  const saved = process.exitCode;
  try {
    await cmd.parseAsync(args, { from: "user" });
    return { exitCode: Number(process.exitCode ?? EXIT.ok), stdout, stderr, stacks };
  } finally {
    process.exitCode = saved;
  }
}

test("diff command: text output, exit 1 on drift, notes on skipped resources, no --stack leaves the choice to the render", async () => {
  const run = await runCommand(".", "--against", fixture("drifted.yaml"));
  assert.equal(run.exitCode, EXIT.findings);
  assert.deepEqual(run.stacks, ["(the project's only stack)"]);
  assert.match(run.stdout, /^Comparing stack "dev" of \. \(desired\) with test\/fixtures\/diff\/drifted\.yaml \(actual\)/);
  assert.match(run.stdout, /^~ apps\/v1 Deployment runners\/gh-runner-a: 6 fields differ$/m);
  assert.match(run.stderr, /^runner-fleet diff: not compared: kubernetes:helm\.sh\/v3:Release "arc"/m);
});

test("diff command --json prints the DriftReport; no drift exits 0", async () => {
  const run = await runCommand(".", "--against", fixture("kubectl-export.yaml"), "--json", "--stack", "prod");
  assert.equal(run.exitCode, EXIT.ok);
  assert.deepEqual(run.stacks, ["prod"]);
  const report = JSON.parse(run.stdout) as DriftReport;
  assert.equal(report.drift, false);
  assert.deepEqual(report.summary, { desired: 3, actual: 3, matched: 3, changed: 0, onlyDesired: 0, onlyActual: 0 });
  assert.deepEqual(report.uncomparedSecrets, [{ object: { apiVersion: "v1", kind: "Secret", namespace: "runners", name: "gh-runner-a-token" }, path: "data.token" }]);
});

test("diff command --managed-only: an extra object in the manifest is listed but exits 0; a changed field still exits 1", async () => {
  // A whole-namespace export: the stack's objects, plus the Namespace and a ServiceAccount it only references.
  const extra = [
    stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "runners" } }),
    stringify({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "gh-runner", namespace: "runners" } }),
  ].join("---\n");
  const file = manifestFile("namespace.yaml", `${extra}---\n${readFileSync(fixture("kubectl-export.yaml"), "utf8")}`);
  assert.equal((await runCommand(".", "--against", file)).exitCode, EXIT.findings);
  const run = await runCommand(".", "--against", file, "--managed-only");
  assert.equal(run.exitCode, EXIT.ok, run.stdout);
  assert.match(run.stdout, /^- v1 Namespace runners: only in .*namespace\.yaml \(not managed by the stack\)$/m);
  assert.match(run.stdout, /^- v1 ServiceAccount runners\/gh-runner: only in .*namespace\.yaml \(not managed by the stack\)$/m);
  assert.match(run.stdout, /^no drift: 3 objects match; 2 not managed by the stack, not counted as drift \(--managed-only\)$/m);
  const json = await runCommand(".", "--against", file, "--managed-only", "--json");
  assert.equal(json.exitCode, EXIT.ok);
  const report = JSON.parse(json.stdout) as DriftReport;
  assert.deepEqual([report.drift, report.managedOnly, report.summary.onlyActual, report.onlyActual.map((o) => o.object.kind)], [false, true, 2, ["Namespace", "ServiceAccount"]]);
  assert.equal((JSON.parse((await runCommand(".", "--against", file, "--json")).stdout) as DriftReport).managedOnly, false);

  const drifted = await runCommand(".", "--against", fixture("drifted.yaml"), "--managed-only");
  assert.equal(drifted.exitCode, EXIT.findings);
  assert.match(drifted.stdout, /^ {4}spec\.replicas: 3 -> 2$/m);
  assert.match(drifted.stdout, /^- v1 ConfigMap runners\/legacy-runner-config: only in test\/fixtures\/diff\/drifted\.yaml \(not managed by the stack\)$/m);
  assert.match(drifted.stdout, /^drift: 3 changed, 0 unchanged; 1 not managed by the stack, not counted as drift \(--managed-only\)$/m);
  const driftedJson = JSON.parse((await runCommand(".", "--against", fixture("drifted.yaml"), "--managed-only", "--json")).stdout) as DriftReport;
  assert.deepEqual([driftedJson.drift, driftedJson.managedOnly], [true, true]);
});

test("diff command usage errors: missing stack directory, missing manifest, missing --against", async () => {
  await assert.rejects(runCommand("no/such/dir", "--against", fixture("drifted.yaml")), (e: unknown) => {
    assert.ok(e instanceof CliError);
    assert.equal(e.exitCode, EXIT.usage);
    assert.match(e.message, /^<stack-dir> no\/such\/dir: no such directory\. Fix: pass the directory of a Pulumi project/);
    return true;
  });
  await assert.rejects(runCommand(".", "--against", "nope.yaml"), (e: unknown) => e instanceof CliError && /^--against nope\.yaml: no such file\. Fix:/.test(e.message));
  await assert.rejects(runCommand("."), (e: unknown) => e instanceof CommanderError && /required option '--against <manifest\.yaml>' not specified/.test(e.message));
});

/** A program with only the diff command, handling errors the way src/cli/main.ts does. */
const HARNESS = `
import { Command, CommanderError } from "commander";
import { diffCommand } from "./src/cli/diff.ts";
import { CliError } from "./src/cli/output.ts";
const program = new Command("runner-fleet").exitOverride();
program.addCommand(diffCommand());
try {
  await program.parseAsync(process.argv.slice(1), { from: "user" });
} catch (e) {
  if (e instanceof CliError) { process.stderr.write("runner-fleet: " + e.message + "\\n"); process.exitCode = e.exitCode; }
  else if (e instanceof CommanderError) process.exitCode = e.exitCode === 0 ? 0 : 2;
  else if (e instanceof Error && e.name === "ConfigError") { process.stderr.write("runner-fleet: " + e.message + "\\n"); process.exitCode = 2; }
  else throw e;
}
`;

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--input-type=module", "-e", HARNESS, "diff", ...args], inRepo, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

/** The diff command with a renderer that returns the fixture objects, fed a manifest on standard input. */
const STDIN_HARNESS = `
import { diffCommand } from "./src/cli/diff.ts";
import { loadFixture } from "./test/fixtures/diff/objects.ts";
const resources = loadFixture("stack-objects.yaml").map((o) => ({ type: "kubernetes:x:" + o.kind, name: o.metadata.name, custom: true, inputs: o }));
await diffCommand({ renderStack: async () => ({ project: "p", stack: "dev", resources }) }).parseAsync(process.argv.slice(1), { from: "user" });
`;

test("--against - reads the manifest from standard input (kubectl get ... -o yaml | runner-fleet diff ...)", async () => {
  const run = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", STDIN_HARNESS, ".", "--against", "-"], { cwd: repoRoot });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.on("close", (code) => resolve({ code, stdout }));
    child.stdin.end(readFileSync(fixture("drifted.yaml")));
  });
  assert.equal(run.code, EXIT.findings);
  assert.match(run.stdout, /^Comparing stack "dev" of \. \(desired\) with standard input \(actual\)/);
  assert.match(run.stdout, /^ {4}spec\.replicas: 3 -> 2$/m);
});

test("end to end: the gh-runner stack rendered offline matches its hand-written baseline, plus the three fence policies it would create", async () => {
  const run = await cli("infra/pulumi/gh-runner", "--against", "deploy/gh-runner/deployment.yaml");
  assert.equal(run.code, EXIT.findings, run.stdout + run.stderr);
  assert.match(run.stdout, /^drift: 3 would be created, 3 unchanged$/m);
  assert.deepEqual(run.stdout.split("\n").filter((l) => l.startsWith("+ ")).map((l) => l.split(" ")[3]), ["my-reforge-ai/gh-runner-allow-dns-egress:", "my-reforge-ai/gh-runner-allow-https-egress-public:", "my-reforge-ai/gh-runner-default-deny-all:"]);
});

test("end to end: a baseline edited by hand shows the edit as drift, exit 1", async () => {
  const docs = parseAllDocuments(readFileSync("deploy/gh-runner/deployment.yaml", "utf8")).map((d) => d.toJS() as { kind: string; metadata: { name: string }; spec: { replicas?: number } });
  const deployment = docs.find((d) => d.kind === "Deployment");
  assert.ok(deployment);
  const replicas = deployment.spec.replicas ?? 1;
  deployment.spec.replicas = replicas + 1;
  const file = path.join(mkdtempSync(path.join(tmpdir(), "rf-diff-")), "edited.yaml");
  writeFileSync(file, docs.map((d) => stringify(d)).join("---\n"));
  const run = await cli("infra/pulumi/gh-runner", "--against", file, "--json");
  assert.equal(run.code, EXIT.findings, run.stderr);
  const report = JSON.parse(run.stdout) as DriftReport;
  const changed = report.changed.find((c) => c.object.name === deployment.metadata.name);
  assert.deepEqual(changed?.fields, [{ path: "spec.replicas", change: "changed", desired: replicas, actual: replicas + 1 }]);
});

// ---- hostile input: never a crash, never a wrong acceptance, never an echoed secret ----

const TOKEN = "ghp_0123456789abcdefghijABCDEFGHIJ012345";

function manifestFile(name: string, content: string | Uint8Array): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "rf-diff-")), name);
  writeFileSync(file, content);
  return file;
}

test("--against an alias bomb, 3,000 levels of nesting or a huge document: exit 2 with file:line:column and the fix", () => {
  const bomb = ["apiVersion: v1", "kind: ConfigMap", "metadata: {name: bomb}", "a: &a [x, x, x, x, x, x, x, x, x]"];
  for (let i = 1; i < 10; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(", ")}]`);
  usageError(
    () => readManifest(manifestFile("bomb.yaml", `${bomb.join("\n")}\n`)),
    /bomb\.yaml has 1 problem:\n {2}- .*bomb\.yaml:1:1: YAML aliases \(\*name\) are used too often: more than 100 alias uses, which expands the document exponentially\. Fix: write the repeated parts out; Kubernetes keeps no anchors or aliases anyway \(document 1\)$/,
  );
  usageError(
    () => readManifest(manifestFile("deep.yaml", `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata: ${"[".repeat(3000)}${"]".repeat(3000)}\n`)),
    /deep\.yaml:4:1: the document nests more than 200 levels deep\. Fix: Kubernetes objects nest a few dozen levels at most.* \(document 1\)$/,
  );
  usageError(
    () => readManifest(manifestFile("huge.yaml", `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: huge}\ndata:\n  x: "${"y".repeat(5 * 1024 * 1024)}"\n`)),
    /huge\.yaml:5:1: the document is 5\.0 MiB, above the 4\.0 MiB limit for one document\. Fix: split it into several documents.* \(document 2\)$/,
  );
});

test("--against a binary or non-UTF-8 file: exit 2 naming file:line:column; a UTF-16 export is read", () => {
  usageError(() => readManifest(manifestFile("live.tgz", Uint8Array.from([0x1f, 0x8b, 0x08, 0x00]))), /^--against .*live\.tgz:1:4: is not a text file \(it holds a NUL byte there\)\. Fix: pass a YAML or JSON manifest/);
  const cm = stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", namespace: "runners" } });
  assert.deepEqual(readManifest(manifestFile("utf16.yaml", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(cm, "utf16le")]))).map((o) => o.metadata.name), ["x"]);
});

test("manifest problems never quote a credential", () => {
  const file = manifestFile("secret.yaml", `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [${TOKEN}]\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: ${TOKEN}\n`);
  assert.throws(() => readManifest(file), (e: unknown) => {
    assert.ok(e instanceof CliError);
    assert.match(e.message, /has 2 problems/);
    assert.ok(!e.message.includes(TOKEN), e.message);
    return true;
  });
});

test("a manifest of many documents keeps only the identities of objects the stack does not render", () => {
  const docs = Array.from({ length: 2000 }, (_, i) => stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `cm-${i}`, namespace: "other" }, data: { big: "x".repeat(100) } }));
  const file = manifestFile("many.yaml", docs.join("---\n") + "---\n" + readFileSync(fixture("kubectl-export.yaml"), "utf8"));
  const outcome = runDiff(loadFixture("stack-objects.yaml"), file);
  assert.equal(outcome.report.summary.matched, 3);
  assert.equal(outcome.report.summary.onlyActual, 2000);
  assert.equal(outcome.report.changed.length, 0);
  const cut = runDiff(loadFixture("stack-objects.yaml"), file, { maxObjects: 50 });
  assert.equal(cut.text.split("\n").filter((l) => l.startsWith("- ")).length, 50);
  assert.match(cut.text, new RegExp(`^… and 1,950 more objects only in ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\(2,000 in all\\): use --json for all of them$`, "m"));
  assert.equal(readManifest(file, { keep: () => false }).every((o) => Object.keys(o).join() === "apiVersion,kind,metadata"), true);
});
