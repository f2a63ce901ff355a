// Every command on every stack, as a newcomer runs them on a fresh clone: no environment variables,
// no flags besides the stack directory, no network. Runs the built CLI as a subprocess.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO } from "./helpers.ts";

/** The environment of a fresh shell: no RUNNER_SSH_KEY_PATH, no cloud or forge credentials. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of ["PATH", "HOME", "TMPDIR", "LANG"]) if (process.env[key] !== undefined) env[key] = process.env[key];
  return env;
}

function cli(cwd: string, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(REPO, "bin/runner-fleet.js"), ...args], { cwd, encoding: "utf8", env: cleanEnv() });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const STACKS = ["gh-runner", "forgejo-k8s-runners", "gh-runners-firecracker", "foundation-runners", "github-libvirt-runners", "aws-firecracker-runners"] as const;

describe("every command on every stack, with no flags and no environment", () => {
  const work = mkdtempSync(join(tmpdir(), "rf-every-"));
  const outs = new Map<string, string>();

  for (const stack of STACKS) {
    it(`render ${stack}: exit 0, into out/<project>-<stack>, and validate on the render exits 0 offline`, () => {
      const r = cli(REPO, "render", `infra/pulumi/${stack}`, "--out", join(work, stack));
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
      assert.match(r.stdout, new RegExp(`resources? of ${stack} \\(stack \\w+\\) written to`));
      outs.set(stack, join(work, stack));
      const v = cli(REPO, "validate", join(work, stack));
      assert.equal(v.code, 0, v.stdout + v.stderr);
      assert.match(v.stdout, /\d+ valid, 0 invalid/);
      assert.doesNotMatch(v.stdout, /render-summary\.json/, "the render's index is no document");
      if (stack === "gh-runners-firecracker") {
        assert.match(v.stdout, /autoscalingrunnerset-arc-firecracker\.derived\.yaml:\d+\s+0\s+AutoscalingRunnerSet\/arc-firecracker\s+valid/, "the derived scale set validates against the bundled ARC CRD");
      }
    });

    it(`validate ${stack} (the project directory): renders it offline and validates what render writes`, () => {
      const before = readdirSync(tmpdir()).filter((f) => f.startsWith("rf-validate-")).length;
      const v = cli(REPO, "validate", `infra/pulumi/${stack}`, "--json");
      assert.equal(v.code, 0, v.stdout + v.stderr);
      const data = JSON.parse(v.stdout) as { summary: { valid: number; invalid: number }; results: { file: string }[]; notes: string[] };
      assert.equal(data.summary.invalid, 0);
      for (const r of data.results) assert.match(r.file, new RegExp(`^infra/pulumi/${stack} \\(stack \\w+, rendered\\) \\S+\\.yaml$`));
      if (data.results.length === 0) assert.match(data.notes.join("\n"), new RegExp(`infra/pulumi/${stack} \\(stack \\w+, rendered\\): this render holds no Kubernetes object`));
      assert.equal(readdirSync(tmpdir()).filter((f) => f.startsWith("rf-validate-")).length, before, "the temporary render is removed");
    });

    it(`audit ${stack}: exit 0 or 1 (never 2), naming what it checked and why it fails`, () => {
      const r = cli(REPO, "audit", `infra/pulumi/${stack}`);
      assert.ok(r.code === 0 || r.code === 1, `exit ${String(r.code)}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
      if (r.code === 1) {
        assert.match(r.stdout, /audit: FAILED \(\d+ problems?\)\n\s+- \S/, "every FAILED names its problems");
      }
    });
  }

  it("guard --fleet derives profiles from every substrate and forge, from the pools each stack exports", () => {
    const wf = mkdtempSync(join(tmpdir(), "rf-every-wf-"));
    // One job per pool kind: GitHub jobs by the forge's implicit labels, Forgejo jobs by a label name.
    writeFileSync(join(wf, "ci.yml"), "on: push\nconcurrency: { group: ci, cancel-in-progress: true }\njobs:\n  a:\n    runs-on: [self-hosted, linux]\n    steps:\n      - run: echo hi\n");
    // The isolation of each pool a stack exports, in order (the ARC example: an untrusted scale set in
    // Firecracker, and a trusted one with docker-in-docker in plain containers).
    const expected: Record<(typeof STACKS)[number], { forge: string; substrate: string; isolation: string[] }> = {
      "gh-runner": { forge: "github", substrate: "kubernetes-deployment", isolation: ["container"] },
      "forgejo-k8s-runners": { forge: "forgejo", substrate: "kubernetes-deployment", isolation: ["container"] },
      "gh-runners-firecracker": { forge: "github", substrate: "arc-scale-set", isolation: ["microvm", "container"] },
      "foundation-runners": { forge: "forgejo", substrate: "libvirt-vm", isolation: ["vm"] },
      "github-libvirt-runners": { forge: "github", substrate: "libvirt-vm", isolation: ["vm"] },
      "aws-firecracker-runners": { forge: "github", substrate: "ec2", isolation: ["vm"] },
    };
    for (const stack of STACKS) {
      const r = cli(REPO, "guard", "--workflows", wf, "--fleet", `infra/pulumi/${stack}`, "--json");
      assert.ok(r.code === 0 || r.code === 1, `${stack}: exit ${String(r.code)}: ${r.stderr}`);
      const report = JSON.parse(r.stdout) as { profiles: { names: string[] } };
      assert.ok(report.profiles.names.length > 0, `${stack}: profiles from its pools`);
      const rendered = JSON.parse(cli(REPO, "render", `infra/pulumi/${stack}`, "--out", join(work, `${stack}-pools`), "--json").stdout) as { outputs?: { runnerPools?: { forge: string; substrate: string; isolation: string }[] } };
      const pools = rendered.outputs?.runnerPools ?? [];
      assert.ok(pools.length > 0, `${stack} exports runnerPools`);
      const want = expected[stack];
      for (const p of pools) assert.deepEqual({ forge: p.forge, substrate: p.substrate }, { forge: want.forge, substrate: want.substrate }, stack);
      assert.deepEqual([...new Set(pools.map((p) => p.isolation))], want.isolation, stack);
    }
  });

  it("audit of a render folder reads its index: the AWS resources and the stack's cluster network", () => {
    const aws = outs.get("aws-firecracker-runners");
    const firecracker = outs.get("gh-runners-firecracker");
    assert.ok(aws !== undefined && firecracker !== undefined, "rendered above");
    const a = JSON.parse(cli(REPO, "audit", aws, "--json").stdout) as { aws?: { checks: unknown[] } };
    assert.ok((a.aws?.checks.length ?? 0) > 10, "the AWS checks ran on the rendered resources");
    const f = cli(REPO, "audit", firecracker);
    assert.equal(f.code, 0, f.stdout);
    assert.match(f.stdout, /nodes 192\.168\.1\.0\/24;\s+from the stack's clusterNetwork output/);
  });

  it("the Kubernetes audits name the source of their CIDRs: the stack's own, else the documented defaults", () => {
    assert.match(cli(REPO, "audit", "infra/pulumi/gh-runners-firecracker").stdout, /Cluster network: pods 10\.42\.0\.0\/16, services 10\.43\.0\.0\/16, nodes 192\.168\.1\.0\/24; from the stack's clusterNetwork output/);
    assert.match(cli(REPO, "audit", "infra/pulumi/gh-runner").stdout, /Cluster network: .*; from the documented defaults for k3s \(pass --pod-cidr/);
    const flags = cli(REPO, "audit", "infra/pulumi/gh-runner", "--pod-cidr", "10.244.0.0/16", "--json");
    const report = JSON.parse(flags.stdout) as { network: { podCidr: string; serviceCidr: string; source: string } };
    assert.equal(report.network.podCidr, "10.244.0.0/16");
    assert.equal(report.network.serviceCidr, "10.43.0.0/16");
    assert.match(report.network.source, /^flags and the documented defaults for k3s/);
  });

  it("on an 80-column terminal every line of every audit fits", () => {
    for (const stack of STACKS) {
      const r = spawnSync(process.execPath, [join(REPO, "bin/runner-fleet.js"), "audit", `infra/pulumi/${stack}`], { cwd: REPO, encoding: "utf8", env: { ...cleanEnv(), COLUMNS: "80" } });
      const long = r.stdout.split("\n").filter((l) => l.length > 80);
      assert.deepEqual(long, [], stack);
    }
  });

  it("the AWS audit reports IAM, Lambda, security group and launch template checks, not empty tables", () => {
    const r = cli(REPO, "audit", "infra/pulumi/aws-firecracker-runners", "--json");
    const report = JSON.parse(r.stdout) as { aws: { checks: { area: string; check: string; pass: boolean }[] }; kubernetes?: unknown };
    assert.equal(report.kubernetes, undefined, "no Kubernetes tables for an EC2 fleet");
    const areas = new Set(report.aws.checks.map((c) => c.area));
    assert.deepEqual([...areas].sort(), ["iam", "lambda", "launch-template", "security-group"]);
    for (const check of ["IMDSv2 required", "metadata hop limit 1", "volumes encrypted", "no public address", "terminate on shutdown"]) {
      assert.ok(report.aws.checks.some((c) => c.check === check && c.pass), check);
    }
    assert.ok(report.aws.checks.filter((c) => c.area === "iam").length >= 4);
  });

  it("the foundation render carries user-data, network-config, meta-data, domain XML and host scripts as files of their own", () => {
    const dir = outs.get("foundation-runners");
    assert.ok(dir !== undefined && existsSync(dir), "rendered above");
    const files = readdirSync(dir);
    for (const suffix of [".user-data.yaml", ".network-config.yaml", ".meta-data.yaml", ".domain.xml", ".create.sh", ".service", ".timer"]) {
      assert.ok(files.some((f) => f.endsWith(suffix)), `a *${suffix} file`);
    }
    const summary = JSON.parse(readFileSync(join(dir, "render-summary.json"), "utf8")) as { deployTime: { name: string }[] };
    assert.deepEqual(summary.deployTime.map((v) => v.name), ["RUNNER_SSH_KEY_PATH"]);
    const json = readFileSync(join(dir, "command-runner-vm.json"), "utf8");
    assert.match(json, /"host": "192\.168\.1\.10"/, "the SSH host is no secret");
    assert.match(json, /"user": "root"/);
  });

  it("the AWS render carries the user-data script, each IAM policy and the Lambda code as files; unknown outputs are marked", () => {
    const dir = outs.get("aws-firecracker-runners");
    assert.ok(dir !== undefined && existsSync(dir), "rendered above");
    const files = readdirSync(dir);
    assert.ok(files.includes("launchtemplate-fleet-template.user-data.sh"));
    assert.match(readFileSync(join(dir, "launchtemplate-fleet-template.user-data.sh"), "utf8"), /^#!\/bin\/bash\n/);
    for (const f of ["rolepolicy-iam-policy.policy.json", "role-iam-role.assumeRolePolicy.json", "rolepolicy-broker-policy.policy.json", "role-broker-role.assumeRolePolicy.json"]) {
      assert.ok(files.includes(f), f);
      const doc = JSON.parse(readFileSync(join(dir, f), "utf8")) as { Version: string; Statement: unknown[] };
      assert.equal(doc.Version, "2012-10-17");
    }
    assert.match(readFileSync(join(dir, "function-broker-function.index.mjs"), "utf8"), /export (async function|const) handler|handler/);
    const fn = JSON.parse(readFileSync(join(dir, "function-broker-function.json"), "utf8")) as { inputs: Record<string, unknown> };
    assert.equal(fn.inputs["role"], "[unknown]", "an output unknown offline (the role's ARN) is marked, not dropped");
  });

  it("with several stacks and no --stack, the error lists them; with exactly one, it is used", () => {
    const r = cli(REPO, "render", "test/fixtures/stacks/two-stacks", "--out", join(work, "two"));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--stack: is needed: two-stacks has 2 stacks \(dev, prod\)\. Fix: pass --stack with one of them, e\.g\. --stack dev/);
    const one = cli(REPO, "render", "test/fixtures/stacks/two-stacks", "--stack", "prod", "--out", join(work, "two"));
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /of two-stacks \(stack prod\) written/);
  });

  it("a stack that does not exist is refused with the project's stacks listed and the flag to use", () => {
    const r = cli(REPO, "render", "infra/pulumi/foundation-runners", "--stack", "dev", "--out", join(work, "none"));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Pulumi\.dev\.yaml: does not exist \(the project's stacks: crunchy\)\. Fix: pass --stack crunchy, or create it with `pulumi stack init dev`/);
  });

  it("a damaged index in the output folder is replaced, not a crash", () => {
    const out = join(work, "damaged");
    assert.equal(cli(REPO, "render", "infra/pulumi/gh-runner", "--out", out).code, 0);
    writeFileSync(join(out, "render-summary.json"), "{not json");
    const r = cli(REPO, "render", "infra/pulumi/gh-runner", "--out", out);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(Array.isArray((JSON.parse(readFileSync(join(out, "render-summary.json"), "utf8")) as { resources: unknown }).resources));
  });

  it("an output folder that cannot be made is refused at once (no hang under /proc), exit 2 with the fix", () => {
    const r = cli(REPO, "render", "infra/pulumi/gh-runner", "--out", "/proc/runner-fleet-out");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--out \/proc\/runner-fleet-out: cannot create the output folder \(E[A-Z]+\)\. Fix: pass --out with a folder you can write/);
  });

  it("a stack program that fails to load is bad input (exit 2, no stack trace), and --debug shows the trace", () => {
    const r = cli(REPO, "render", "test/fixtures/stacks/broken-program", "--out", join(work, "broken"));
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /the stack program failed: .*no-such-package.*Fix: correct the program \(run it with --debug/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    const debug = cli(REPO, "render", "test/fixtures/stacks/broken-program", "--out", join(work, "broken"), "--debug");
    assert.equal(debug.code, 2);
    assert.match(debug.stderr, /\n\s+at /);
  });
});
