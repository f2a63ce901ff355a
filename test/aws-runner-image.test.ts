// The Packer image of the AWS EC2 runner profile: the template validates with the installed
// packer, the install script is shellcheck-clean, and it refuses to build without a checksum
// for every artifact or with a wrong one.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { needs, requireTool } from "./validators.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const packerDir = path.join(repoRoot, "infra/packer");
const template = path.join(packerDir, "ci-intel-runner.pkr.json");
const script = path.join(packerDir, "scripts/install-runner.sh");

/** Variables without a published checksum: the build must be given them. */
const REQUIRED = ["region", "subnet_id", "b3sum_sha256", "docker_rpm_version", "docker_rpm_sha256", "python3_rpm_version", "python3_rpm_sha256"];
const FAKE_SHA = "0".repeat(64);
const requiredVars = ["-var", "region=eu-west-1", "-var", "subnet_id=subnet-0123456789abcdef0", "-var", `b3sum_sha256=${FAKE_SHA}`, "-var", "docker_rpm_version=25.0.0-1.amzn2023.0.1", "-var", `docker_rpm_sha256=${FAKE_SHA}`, "-var", "python3_rpm_version=3.9.20-1.amzn2023.0.1", "-var", `python3_rpm_sha256=${FAKE_SHA}`];

const packer = (...args: string[]) => spawnSync("packer", args, { cwd: packerDir, encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1", PACKER_LOG: "" } });

type Var = { default?: string };
const variables = (): Record<string, Var> => JSON.parse(readFileSync(template, "utf8")).variable;

describe("ci-intel-runner Packer template", () => {
  it("passes packer validate -syntax-only", needs("packer"), () => {
    requireTool("packer");
    const r = packer("validate", "-syntax-only", template);
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it("passes a full packer validate once the required variables are given", needs("packer"), () => {
    requireTool("packer");
    const r = packer("validate", ...requiredVars, template);
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it("refuses to validate without the checksums that have no published value", needs("packer"), () => {
    requireTool("packer");
    const r = packer("validate", template);
    assert.notEqual(r.status, 0);
    for (const name of REQUIRED) assert.match(r.stdout + r.stderr, new RegExp(`Unset variable "${name}"`));
  });

  it("pins every downloaded artifact by version and a SHA-256 default taken from the upstream release", () => {
    const v = variables();
    for (const [name, version] of [["runner", "2.330.0"], ["firecracker", "1.16.1"], ["cosign", "2.5.2"], ["node_exporter", "1.9.1"]]) {
      assert.equal(v[`${name}_version`]?.default, version);
      assert.match(v[`${name}_sha256`]?.default ?? "", /^[0-9a-f]{64}$/, `${name}_sha256`);
    }
    for (const name of REQUIRED) assert.equal(v[name]?.default, undefined, `${name} must have no default`);
  });

  it("names AMIs ci-intel-runner-<timestamp>, encrypts them, and labels the runner", () => {
    const t = JSON.parse(readFileSync(template, "utf8"));
    const src = t.source["amazon-ebs"]["ci-intel-runner"];
    assert.equal(src.ami_name, "ci-intel-runner-${local.timestamp}");
    assert.equal(src.encrypt_boot, true);
    assert.equal(src.associate_public_ip_address, false);
    assert.ok(src.launch_block_device_mappings.every((m: { encrypted: boolean }) => m.encrypted));
    assert.equal(variables().runner_labels?.default, "self-hosted,build-fips,linux");
    assert.equal(t.build.provisioner[0].shell.script, "${path.root}/scripts/install-runner.sh");
  });
});

describe("install-runner.sh", () => {
  it("passes shellcheck", needs("shellcheck"), () => {
    requireTool("shellcheck");
    const r = spawnSync("shellcheck", [script], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it("verifies every download with sha256sum -c", () => {
    const text = readFileSync(script, "utf8");
    assert.match(text, /sha256sum --check --strict/);
    const fetches = [...text.matchAll(/^fetch "https:\/\/[^"]+" "[^"]+" "\$\{(\w+)\}"$/gm)].map((m) => m[1]);
    assert.deepEqual(fetches.sort(), ["B3SUM_SHA256", "COSIGN_SHA256", "FIRECRACKER_SHA256", "NODE_EXPORTER_SHA256", "RUNNER_SHA256"]);
    assert.ok(!/curl [^\n]*\| *(ba)?sh/.test(text), "no curl | sh");
  });

  /** Runs the script with stub dnf/curl/system tools; returns status, stderr and the stub calls. */
  function run(env: Record<string, string>): { status: number | null; stdout: string; stderr: string; calls: string } {
    const dir = mkdtempSync(path.join(tmpdir(), "install-runner-"));
    try {
      const bin = path.join(dir, "bin");
      mkdirSync(bin);
      const log = path.join(dir, "calls");
      writeFileSync(log, "");
      const stub = (name: string, body = "true") => {
        writeFileSync(path.join(bin, name), `#!/bin/bash\nprintf '%s\\n' "${name} $*" >>'${log}'\n${body}\n`);
        chmodSync(path.join(bin, name), 0o755);
      };
      // dnf download writes a fake RPM whose content is its name; everything else only records its call.
      stub("dnf", `if [[ $1 == download ]]; then d=$4; mkdir -p "$d"; printf %s "$5" >"$d/$5.x86_64.rpm"; fi`);
      stub("curl");
      stub("uname", "echo x86_64");
      for (const name of ["systemctl", "install", "useradd", "usermod", "groupadd", "getent", "id", "tar", "chown"]) stub(name);
      const r = spawnSync("bash", [script], { env: { PATH: `${bin}:/usr/bin:/bin`, ...env }, encoding: "utf8" });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls: readFileSync(log, "utf8") };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const complete: Record<string, string> = {
    RUNNER_LABELS: "self-hosted,build-fips,linux",
    RUNNER_VERSION: "2.330.0",
    RUNNER_SHA256: FAKE_SHA,
    FIRECRACKER_VERSION: "1.16.1",
    FIRECRACKER_SHA256: FAKE_SHA,
    COSIGN_VERSION: "2.5.2",
    COSIGN_SHA256: FAKE_SHA,
    NODE_EXPORTER_VERSION: "1.9.1",
    NODE_EXPORTER_SHA256: FAKE_SHA,
    B3SUM_VERSION: "1.8.5",
    B3SUM_SHA256: FAKE_SHA,
    DOCKER_RPM_VERSION: "25.0.0-1.amzn2023.0.1",
    DOCKER_RPM_SHA256: FAKE_SHA,
    PYTHON3_RPM_VERSION: "3.9.20-1.amzn2023.0.1",
    PYTHON3_RPM_SHA256: FAKE_SHA,
  };

  it("stops before downloading anything when a checksum is missing", () => {
    const { B3SUM_SHA256: _omitted, ...env } = complete;
    const r = run(env);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /B3SUM_SHA256 is not set; pass it with -var/);
    assert.equal(r.calls, "");
  });

  it("stops on a malformed checksum", () => {
    const r = run({ ...complete, COSIGN_SHA256: "abc" });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /COSIGN_SHA256 is malformed/);
  });

  it("stops when a download does not match its checksum, before installing it", () => {
    const r = run(complete);
    assert.notEqual(r.status, 0);
    assert.match(r.stdout, /python3-3\.9\.20-1\.amzn2023\.0\.1\.x86_64\.rpm: FAILED/);
    assert.match(r.stderr, /computed checksum did NOT match/);
    assert.match(r.calls, /^dnf download --quiet --destdir \S+ python3-3\.9\.20-1\.amzn2023\.0\.1$/m);
    assert.ok(!/^dnf install/m.test(r.calls), "an unverified RPM was installed");
  });
});
