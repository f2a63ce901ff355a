// The validator gate itself (test/validators.ts) and the skip-summary reporter, run in child
// processes with a PATH we control, so none of it depends on what this machine has installed.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { skipSummary } from "./skip-summary-reporter.ts";
import { installCommand, onPath, skippedValidators, VALIDATOR_NAMES, VALIDATORS } from "./validators.ts";

const VALIDATORS_MODULE = pathToFileURL(join(import.meta.dirname, "validators.ts")).href;
const REPORTER = join(import.meta.dirname, "skip-summary-reporter.ts");

/** A directory to use as the whole PATH, holding stand-in executables named `tools`. */
function pathWith(...tools: string[]): string {
  const bin = mkdtempSync(join(tmpdir(), "rf-validators-bin-"));
  for (const tool of tools) {
    writeFileSync(join(bin, tool), "#!/bin/sh\nexit 0\n");
    chmodSync(join(bin, tool), 0o755);
  }
  return bin;
}

/** The environment for a child: PATH as given, CI set or removed, and no trace of the parent test runner. */
function envFor(path: string, ci: boolean): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: path };
  delete env["NODE_TEST_CONTEXT"];
  delete env["CI"];
  if (ci) env["CI"] = "true";
  return env;
}

/** Evaluates `expression` (validators.ts imported as `v`) in a child and returns its JSON value, or its error message. */
function inChild(expression: string, path: string, ci: boolean): { value?: unknown; error?: string } {
  const script = `import * as v from ${JSON.stringify(VALIDATORS_MODULE)};
try { process.stdout.write(JSON.stringify({ value: ${expression} })); } catch (e) { process.stdout.write(JSON.stringify({ error: e.message })); }`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { env: envFor(path, ci), encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { value?: unknown; error?: string };
}

/** Runs a small test file, gated on shellcheck, with node's runner, spec and the skip summary, as npm run test:unit does. */
function runGatedFile(path: string, ci: boolean) {
  const dir = mkdtempSync(join(tmpdir(), "rf-validators-run-"));
  const file = join(dir, "gated.test.mjs");
  writeFileSync(file, `import { test } from "node:test";
import { needs, requireTool } from ${JSON.stringify(VALIDATORS_MODULE)};
test("runs shellcheck", needs("shellcheck"), () => {
  requireTool("shellcheck");
});
test("a neighbour that needs nothing", () => {});
`);
  const r = spawnSync(process.execPath, ["--test", "--test-reporter=spec", "--test-reporter-destination=stdout", `--test-reporter=${REPORTER}`, "--test-reporter-destination=stdout", file], { cwd: dir, env: envFor(path, ci), encoding: "utf8" });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe("the validator registry", () => {
  it("names a Debian package for every validator, each of which .ci/run installs", () => {
    for (const name of VALIDATOR_NAMES) {
      const v = VALIDATORS[name];
      assert.ok(v.commands.length > 0 && v.packages.length > 0 && v.checks.length > 0, name);
      assert.match(installCommand([name]), new RegExp(`^sudo apt-get install -y ${v.packages.join(" ")}\\b`));
    }
    assert.equal(installCommand(["libvirtd"]), "sudo apt-get install -y libvirt-daemon-system qemu-system-x86 && sudo systemctl start libvirtd");
    assert.equal(installCommand(["virsh", "virt-xml-validate"]), "sudo apt-get install -y libvirt-clients libxml2-utils", "one package once");
  });

  it("finds a command on PATH only as an executable file", () => {
    const bin = pathWith("shellcheck");
    writeFileSync(join(bin, "yamllint"), "not executable");
    mkdirSync(join(bin, "promtool"));
    const other = pathWith("packer");
    assert.equal(onPath("shellcheck", `${bin}:${other}`), join(bin, "shellcheck"));
    assert.equal(onPath("packer", `${bin}:${other}`), join(other, "packer"));
    assert.equal(onPath("yamllint", bin), undefined, "a file without the execute bit");
    assert.equal(onPath("promtool", bin), undefined, "a directory");
    assert.equal(onPath("shellcheck", ""), undefined);
  });
});

describe("needs() and requireTool() with a PATH that lacks the tool", () => {
  const empty = pathWith();

  it("needs() skips, naming the tool and the install command", () => {
    assert.deepEqual(inChild(`v.needs("shellcheck")`, empty, false).value, { skip: "shellcheck is not installed; install it with: sudo apt-get install -y shellcheck" });
    assert.deepEqual(inChild(`v.needs("openssl", "python3")`, empty, false).value, { skip: "openssl and python3 are not installed; install them with: sudo apt-get install -y openssl python3" });
    assert.deepEqual(inChild(`v.needs("virt-xml-validate")`, pathWith("virt-xml-validate"), false).value, {
      skip: "virt-xml-validate is not installed (it needs xmllint, which is not on PATH); install it with: sudo apt-get install -y libvirt-clients libxml2-utils",
    });
    assert.deepEqual(inChild(`v.needs("virt-xml-validate")`, empty, false).value, {
      skip: "virt-xml-validate is not installed (and neither is xmllint); install it with: sudo apt-get install -y libvirt-clients libxml2-utils",
    });
    assert.deepEqual(inChild(`v.needs("libvirtd")`, empty, false).value, {
      skip: "libvirtd is not installed (virsh is not on PATH); install it with: sudo apt-get install -y libvirt-daemon-system qemu-system-x86 && sudo systemctl start libvirtd",
    });
  });

  it("with CI=true, needs() lets the test run and requireTool() fails it with the install command", () => {
    assert.deepEqual(inChild(`v.needs("shellcheck")`, empty, true).value, {});
    assert.equal(
      inChild(`v.requireTool("shellcheck")`, empty, true).error,
      "shellcheck is not installed, and CI=true, so the tests that need it fail instead of skipping. Install it with: sudo apt-get install -y shellcheck (.ci/run, run as root, installs every validator)",
    );
  });

  it("where the tool is on PATH, needs() runs the test and requireTool() passes, with CI=true or not", () => {
    const bin = pathWith("shellcheck");
    for (const ci of [false, true]) {
      assert.deepEqual(inChild(`v.needs("shellcheck")`, bin, ci), { value: {} });
      assert.deepEqual(inChild(`v.requireTool("shellcheck") ?? "ok"`, bin, ci), { value: "ok" });
      assert.deepEqual(inChild(`v.needs("shellcheck", "yamllint")`, bin, ci).value, ci ? {} : { skip: "yamllint is not installed; install it with: sudo apt-get install -y yamllint" }, "only the missing one is named");
    }
  });
});

describe("a gated test under node --test", () => {
  it("is skipped with the install command, the neighbour runs, and the summary lists the tool", () => {
    const { status, out } = runGatedFile(pathWith(), false);
    assert.equal(status, 0, out);
    assert.match(out, /﹣ runs shellcheck \([\d.]+ms\) # shellcheck is not installed; install it with: sudo apt-get install -y shellcheck\n/);
    assert.match(out, /✔ a neighbour that needs nothing/);
    assert.match(out, /\nSkipped because a validator is missing \(install them, or run \.ci\/run as root, to run these checks\):\n {2}shellcheck {2}sudo apt-get install -y shellcheck {3}\(1 test\)\n/);
    assert.match(out, /ℹ tests 2\nℹ suites 0\nℹ pass 1\nℹ fail 0\nℹ cancelled 0\nℹ skipped 1\n/, "spec's closing totals are still printed");
    assert.ok(out.indexOf("Skipped because") < out.indexOf("ℹ tests 2"), "the summary comes before spec's totals");
  });

  it("with CI=true fails instead, saying how to install the tool, and nothing is skipped", () => {
    const { status, out } = runGatedFile(pathWith(), true);
    assert.equal(status, 1, out);
    assert.match(out, /✖ runs shellcheck/);
    assert.match(out, /Error: shellcheck is not installed, and CI=true, so the tests that need it fail instead of skipping\. Install it with: sudo apt-get install -y shellcheck/);
    assert.match(out, /ℹ pass 1\nℹ fail 1\nℹ cancelled 0\nℹ skipped 0\n/);
    assert.doesNotMatch(out, /Skipped because/);
  });

  it("runs where the tool is installed, and the summary prints nothing", () => {
    const { status, out } = runGatedFile(pathWith("shellcheck"), false);
    assert.equal(status, 0, out);
    assert.match(out, /✔ runs shellcheck/);
    assert.match(out, /ℹ pass 2\n/);
    assert.doesNotMatch(out, /Skipped because|﹣/);
  });
});

describe("the skip summary", () => {
  it("recognises the validators a skip reason names, and no others", () => {
    assert.deepEqual(skippedValidators("shellcheck is not installed; install it with: sudo apt-get install -y shellcheck"), ["shellcheck"]);
    assert.deepEqual(skippedValidators("openssl and python3 are not installed; install them with: sudo apt-get install -y openssl python3"), ["openssl", "python3"]);
    assert.deepEqual(skippedValidators("b3sum, openssl and python3 are not installed; install them with: sudo apt-get install -y b3sum openssl python3"), ["b3sum", "openssl", "python3"]);
    assert.deepEqual(
      skippedValidators("libvirtd is not available (nothing answers at qemu:///system, and only root can start the system daemon); install it with: sudo apt-get install -y libvirt-daemon-system qemu-system-x86 && sudo systemctl start libvirtd"),
      ["libvirtd"],
      "not virsh, though the detail names it",
    );
    assert.deepEqual(skippedValidators("/usr/local/bin/forgejo-runner exists on this machine"), []);
    assert.deepEqual(skippedValidators("shellcheck is not installed"), [], "only reasons that carry the install command");
  });

  it("prints one line per tool with its install command and counts, and nothing when nothing was skipped", () => {
    assert.equal(skipSummary(new Map()), "");
    assert.equal(
      skipSummary(new Map([["libvirtd", { tests: 2, suites: 0 }], ["shellcheck", { tests: 1, suites: 1 }]])),
      [
        "",
        "Skipped because a validator is missing (install them, or run .ci/run as root, to run these checks):",
        "  libvirtd    sudo apt-get install -y libvirt-daemon-system qemu-system-x86 && sudo systemctl start libvirtd   (2 tests)",
        `  shellcheck  ${"sudo apt-get install -y shellcheck".padEnd(94)}   (1 test, 1 suite)`,
        "",
        "",
      ].join("\n"),
    );
  });
});
