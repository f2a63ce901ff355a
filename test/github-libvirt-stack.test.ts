// Stack tests: the infra/pulumi/github-libvirt-runners program run offline with its Pulumi.dev.yaml,
// its rendered documents checked by the real validators, the host's fill script run against stub
// tools, and the CLI run on it as a user runs it. The program imports the built package: `npm run build` first.
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { renderStack, type RenderedStack } from "../src/offline/render-stack.ts";
import { embeddedDocuments, unwrapShellCommand } from "../src/offline/embedded-documents.ts";
import { resolveGithubVmPool } from "../src/model/index.ts";
import { FIRST_BOOT_FAILURE_POWERS_OFF } from "../src/render/cloud-init/user-data.ts";
import { githubPoolFillScript, renderShellScript } from "../src/render/index.ts";
import { JOB_REPORT_PATHS } from "../src/render/monitoring/job-report.ts";
import { editedStackConfig, REPO } from "./helpers.ts";
import { needs, requireTool } from "./validators.ts";

const STACK = join(REPO, "infra/pulumi/github-libvirt-runners");
const P = "github-libvirt-runners";
const SECURE = "v1:REPLACE-ME-with-pulumi-config-set-secret-githubToken";
/** A token as the Pulumi CLI would hand it to the program after decrypting: it must reach no rendered file. */
const TOKEN = "github_pat_CANARY0123456789abcdefghijklmnopqrstuvwxyz";
type Config = Record<string, unknown>;

const dir = mkdtempSync(join(tmpdir(), "rf-github-libvirt-"));
const render = (configFile?: string) => renderStack(STACK, { stack: "dev", secretValues: { githubToken: TOKEN }, ...(configFile ? { configFile } : {}) });
const edited = (edit: (c: Config) => void) => editedStackConfig(STACK, "dev", edit);
const byName = (r: RenderedStack, name: string) => r.resources.find((x) => x.name === name) ?? assert.fail(`no resource ${name}`);
/** Every document embedded in the render, by `<resource>.<suffix>`. */
const documents = (r: RenderedStack): Map<string, string> => new Map(r.resources.flatMap((x) => embeddedDocuments(x).map((d): [string, string] => [`${x.name}.${d.suffix}`, d.content])));
const doc = (r: RenderedStack, name: string): string => documents(r).get(name) ?? assert.fail(`no document ${name} in ${[...documents(r).keys()].join(", ")}`);

function file(name: string, text: string, mode = 0o644): string {
  const f = join(mkdtempSync(join(dir, "f-")), name);
  writeFileSync(f, text, { mode });
  return f;
}

function shellcheck(name: string, text: string): void {
  // Each script in the dialect its shebang names (the job report is bash); sh otherwise.
  const shell = text.startsWith("#!/bin/bash") ? "bash" : "sh";
  const r = spawnSync("shellcheck", [`--shell=${shell}`, file(name, text)], { encoding: "utf8" });
  assert.equal(r.status, 0, `shellcheck ${name}:\n${r.stdout}${r.stderr}`);
}

/** Asserts that rendering `config` is refused with an issue at `path` whose text matches `message` and has a fix. */
async function refused(config: string, path: string, message: RegExp): Promise<void> {
  await assert.rejects(render(config), (e: Error) => {
    assert.equal(e.name, "ConfigError", e.message);
    const line = e.message.split("\n").find((l) => l.startsWith(`  - ${path}: `));
    assert.ok(line, `an issue at ${path} in:\n${e.message}`);
    assert.match(line, message);
    assert.match(line, /\. Fix: \S/);
    assert.ok(!e.message.includes(TOKEN), "no token in the error");
    return true;
  });
}

before(() => {
  assert.ok(existsSync(join(REPO, "dist/pulumi/github-libvirt-runners.js")), "build the package first (npm run build)");
  delete process.env["RUNNER_SSH_KEY_PATH"];
});

describe("github-libvirt-runners stack (offline, Pulumi.dev.yaml)", async () => {
  delete process.env["RUNNER_SSH_KEY_PATH"];
  const base = await render();

  it("creates the credential, the staged files per slot and the slots, inside one component, with no environment", () => {
    assert.deepEqual(base.resources.map((r) => `${r.type}::${r.name}`), [
      "runner-fleet:libvirt:GitHubLibvirtRunners::gh",
      "command:remote:Command::gh-credential",
      "command:remote:Command::gh-host-prep",
      "command:remote:Command::gh-slots",
      ...[1, 2, 3].flatMap((i) => [`command:remote:Command::gh-stage-gh-vm-${i}-domain-xml`, `command:remote:Command::gh-stage-gh-vm-${i}-meta-data`]),
      "command:remote:Command::gh-stage-network-config",
      "command:remote:Command::gh-stage-user-data",
    ]);
    assert.deepEqual(base.deployTime.map((v) => v.name), ["RUNNER_SSH_KEY_PATH"]);
    assert.deepEqual(base.outputs["slots"], ["gh-vm-1", "gh-vm-2", "gh-vm-3"]);
    assert.equal(base.outputs["jitConfigUrl"], "https://api.github.com/repos/acme/app/actions/runners/generate-jitconfig");
  });

  it("exports its pool: GitHub on libvirt VMs, every label runs-on can match, one job per VM", () => {
    assert.deepEqual(base.outputs["runnerPools"], [{ name: "gh-vm", forge: "github", substrate: "libvirt-vm", labels: ["self-hosted", "linux", "x64", "fenced-vm"], min: 3, max: 3, oneJob: true, isolation: "vm", registration: { url: "https://github.com/acme/app" } }]);
  });

  it("no rendered file holds the token or its ciphertext; the credential reaches the host only, masked", () => {
    const all = JSON.stringify(base.resources) + [...documents(base).values()].join("\n");
    assert.ok(!all.includes(TOKEN), "the token is in no rendered file");
    assert.ok(!all.includes(SECURE), "nor is its ciphertext");
    assert.ok(!all.includes("CANARY"));
    assert.match(String(byName(base, "gh-credential").inputs["stdin"]), /^(Authorization: Bearer )?\[secret\]\n?$/);
    // The job report builds a header only from a token file given on its command line, which the guest never gives it.
    const guestFiles = (parse(doc(base, "gh-stage-user-data.user-data.yaml")) as { write_files: { path: string; content: string }[] }).write_files.filter((f) => f.path !== JOB_REPORT_PATHS.reportScript);
    assert.doesNotMatch(JSON.stringify(guestFiles), /Authorization|Bearer|github_pat/, "the guest never sees the credential");
    const stopPost = JSON.stringify(guestFiles).match(/ExecStopPost=[^\\]*/g) ?? [];
    assert.deepEqual(stopPost, [`ExecStopPost=+${JOB_REPORT_PATHS.reportScript} --wait-for-scrape 90`], "nor is the report given one");
  });

  it("user-data: one guest for every slot that runs the pinned runner for one job and powers off", () => {
    const userData = doc(base, "gh-stage-user-data.user-data.yaml");
    const ud = parse(userData) as { hostname?: string; packages: string[]; runcmd: (string | string[])[]; write_files: { path: string; content: string; permissions: string }[] };
    assert.equal(ud.hostname, undefined, "each slot's meta-data names its VM");
    assert.deepEqual(ud.packages, ["docker.io", "prometheus-node-exporter", "qemu-guest-agent"]);
    const install = ud.write_files.find((f) => f.path === "/usr/local/sbin/install-actions-runner")?.content ?? "";
    assert.match(install, /actions-runner-linux-x64-2\.329\.0\.tar\.gz/);
    assert.match(install, /sha256=194f1e1e4bd02f80b7e9633fc546084d8d4e19f3928a324d512ea53430102e1d/);
    const unit = doc(base, "gh-stage-user-data.github-runner.service");
    for (const line of ["SuccessAction=poweroff", "FailureAction=poweroff", "Restart=no", "User=runner", "ExecStartPre=+/usr/local/sbin/github-runner-jit", "ExecStart=/usr/local/bin/github-runner-once"]) {
      assert.match(unit, new RegExp(`^${line.replace(/[+.]/g, "\\$&")}$`, "m"), line);
    }
    const once = doc(base, "gh-stage-user-data.github-runner-once.sh");
    assert.match(once, /ACTIONS_RUNNER_INPUT_JITCONFIG=\$\(cat "\$\{jit_file\}"\)\nrm -f "\$\{jit_file\}"\nexport ACTIONS_RUNNER_INPUT_JITCONFIG\nexec \/home\/runner\/actions-runner\/run\.sh\n$/, "the JIT configuration never reaches argv");
    // A first boot that fails (a download, an install) powers the VM off, so the fill script refills the slot.
    assert.deepEqual(ud.runcmd.slice(0, 3), ["set -eu", ...FIRST_BOOT_FAILURE_POWERS_OFF]);
    assert.match(String(ud.runcmd[1]), /systemctl poweroff/);
  });

  it("cloud-init's schema accepts the user-data", needs("cloud-init"), () => {
    requireTool("cloud-init");
    const r = spawnSync("cloud-init", ["schema", "--config-file", file("user-data", doc(base, "gh-stage-user-data.user-data.yaml"))], { encoding: "utf8" });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /Valid cloud-config/);
  });

  it("every slot's domain XML passes virt-xml-validate and destroys the VM when its guest powers off", needs("virt-xml-validate"), () => {
    requireTool("virt-xml-validate");
    for (const i of [1, 2, 3]) {
      const xml = doc(base, `gh-stage-gh-vm-${i}-domain-xml.domain.xml`);
      assert.match(xml, new RegExp(`<name>gh-vm-${i}</name>`));
      assert.match(xml, /<on_poweroff>destroy<\/on_poweroff>/);
      assert.match(xml, /<memory unit="MiB">8192<\/memory>[\s\S]*<vcpu placement="static">4<\/vcpu>/);
      const r = spawnSync("virt-xml-validate", [file("domain.xml", xml), "domain"], { encoding: "utf8" });
      assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    }
  });

  it("the domain XML defines on libvirt's test driver", needs("virsh"), () => {
    requireTool("virsh");
    const r = spawnSync("virsh", ["-c", "test:///default", "define", "--validate", file("domain.xml", doc(base, "gh-stage-gh-vm-1-domain-xml.domain.xml"))], { encoding: "utf8" });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  });

  it("every host script, guest script and Exec line passes shellcheck", needs("shellcheck"), () => {
    requireTool("shellcheck");
    const docs = documents(base);
    const scripts = [...docs].filter(([name]) => name.endsWith(".sh"));
    for (const expected of ["gh-slots.create.sh", "gh-slots.delete.sh", "gh-slots.runner-fleet-gh-vm-fill.sh", "gh-credential.create.sh", "gh-credential.delete.sh", "gh-stage-user-data.github-runner-jit.sh", "gh-stage-user-data.install-actions-runner.sh"]) {
      assert.ok(docs.has(expected), `${expected} is rendered`);
    }
    for (const [name, text] of scripts) shellcheck(name, text);
    for (const [name, text] of [...docs].filter(([n]) => n.endsWith(".service"))) {
      for (const m of text.matchAll(/^Exec\w*=\+?(.*)$/gm)) shellcheck(`${name}-exec`, `#!/bin/sh\n${m[1] ?? ""}\n`);
    }
  });

  it("the runcmd script, as cloud-init assembles it, passes shellcheck", needs("shellcheck", "cloud-init"), () => {
    requireTool("shellcheck", "cloud-init");
    const bin = execFileSync("sh", ["-c", "command -v cloud-init"], { encoding: "utf8" }).trim();
    const python = readFileSync(bin, "utf8").split("\n")[0]?.replace(/^#!\s*/, "").split(" ")[0] ?? "python3";
    const runcmd = (parse(doc(base, "gh-stage-user-data.user-data.yaml")) as { runcmd: unknown[] }).runcmd;
    const script = execFileSync(python, ["-c", "import json, sys; from cloudinit.util import shellify; sys.stdout.write(shellify(json.load(sys.stdin)))"], { input: JSON.stringify(runcmd), encoding: "utf8" });
    assert.match(script, /^#!\/bin\/sh\nset -eu\n/);
    shellcheck("runcmd", script);
  });

  it("the fill service runs on a timer that waits after each run: no tight retry loop", () => {
    const timer = doc(base, "gh-slots.runner-fleet-gh-vm-fill.timer");
    assert.match(timer, /^OnUnitInactiveSec=60s$/m);
    assert.match(doc(base, "gh-slots.runner-fleet-gh-vm-fill.service"), /^Type=oneshot$/m);
  });

  it("GitHub Enterprise Server: the API is <url>/api/v3; plain http only with allowInsecureHttp", async () => {
    const ghes = await render(edited((c) => { c[`${P}:githubUrl`] = "https://ghe.example.com/"; c[`${P}:githubScope`] = "platform"; }));
    assert.equal(ghes.outputs["jitConfigUrl"], "https://ghe.example.com/api/v3/orgs/platform/actions/runners/generate-jitconfig");
    await refused(edited((c) => { c[`${P}:githubUrl`] = "http://ghe.lan"; }), "githubUrl", /plain http.*unencrypted.*https:\/\/.*allowInsecureHttp: true/);
    const http = await render(edited((c) => { c[`${P}:githubUrl`] = "http://ghe.lan"; c[`${P}:allowInsecureHttp`] = true; }));
    assert.equal(http.outputs["jitConfigUrl"], "http://ghe.lan/api/v3/repos/acme/app/actions/runners/generate-jitconfig");
  });

  it("refuses bad settings, each at its key with a fix, all at once", async () => {
    const many = edited((c) => {
      c[`${P}:githubScope`] = "acme/app/extra";
      c[`${P}:runnerLabels`] = ["fenced vm", "Self-Hosted"];
      c[`${P}:slots`] = 0;
      c[`${P}:runnerVersion`] = "2.330.0";
      c[`${P}:libvirtHost`] = "root@kvm1:22";
    });
    await refused(many, "githubScope", /neither "org", "org\/repo" nor "enterprises\/<name>".*acme.*acme\/app/);
    await refused(many, "runnerLabels[0]", /comma or whitespace.*without commas or whitespace/);
    await refused(many, "runnerLabels[1]", /added to every runner already.*remove it/);
    await refused(many, "slots", /is 0; it must be a whole number from 1 to 64.*set slots to/);
    await refused(many, "runnerSha256", /is the digest of the default release 2\.329\.0, not of runnerVersion 2\.330\.0.*SHA-256 of actions-runner-linux-x64-2\.330\.0\.tar\.gz/);
    await refused(many, "libvirtHost", /not a hostname or IP address.*without user, port or scheme/);
    await refused(edited((c) => { c[`${P}:runnerLabels`] = []; }), "runnerLabels", /is empty.*at least one label/);
    await refused(edited((c) => { c[`${P}:slotz`] = 2; }), "slotz", /not a setting of github-libvirt-runners.*did you mean slots\?/);
  });

  it("refuses the token in plain text without quoting it, or missing", async () => {
    await assert.rejects(renderStack(STACK, { stack: "dev", configFile: edited((c) => { c[`${P}:githubToken`] = "CANARYplaintextToken"; }) }), (e: Error) => /githubToken: is set in plain text but must be a secret \(its value is not shown\)\. Fix: .*pulumi config set --secret githubToken/.test(e.message) && !e.message.includes("CANARY"));
    await assert.rejects(renderStack(STACK, { stack: "dev", configFile: edited((c) => { delete c[`${P}:githubToken`]; }) }), (e: Error) => /githubToken: is not set\. Fix: run `pulumi config set --secret githubToken <token>`/.test(e.message));
  });
});

/** Stub host tools on PATH: each logs its argv; `curl` answers with `$CURL_STATUS` and a canned body. */
function stubHost(status: string, body: string): { root: string; env: NodeJS.ProcessEnv; log: string } {
  const root = mkdtempSync(join(dir, "host-"));
  const bin = join(root, "bin");
  mkdirSync(bin);
  const log = join(root, "calls.log");
  const stub = (name: string, script: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\nprintf '%s\\n' "${name} $*" >>'${log}'\n${script}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  stub("virsh", 'case "$*" in *domstate*) exit 1 ;; esac; exit 0');
  stub("qemu-img", 'for a; do last=$a; done; : >"$(dirname "$last")/overlay-made"; exit 0');
  // genisoimage: copies the files it would put on the ISO into <output>.files/ so the test can read them.
  stub("genisoimage", 'out=""; prev=""; for a; do if [ "$prev" = -output ]; then out=$a; fi; prev=$a; done; mkdir -p "$out.files"; for a; do [ -f "$a" ] && cp "$a" "$out.files/"; done; : >"$out"');
  stub("curl", `out=""; prev=""; for a; do if [ "$prev" = --output ]; then out=$a; fi; case "$a" in @*) cp "\${a#@}" "$HOME/sent-$(basename "\${a#@}")" ;; esac; prev=$a; done; printf '%s' '${body}' >"$out"; printf '%s' "${status}"`);
  return { root, env: { PATH: `${bin}:/usr/bin:/bin`, HOME: root }, log };
}

/** The fill script with its host paths moved under `root`. */
function fillScriptIn(root: string, withToken: boolean): string {
  const pool = resolveGithubVmPool({ libvirtHost: "kvm1.lan", sshKeyPath: "/k", githubScope: "acme/app", runnerLabels: ["fenced-vm"], slots: 1 });
  for (const d of ["staging/gh-vm-1", "pool", "etc"]) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, "staging/user-data"), "#cloud-config\n");
  writeFileSync(join(root, "staging/network-config"), "version: 2\n");
  writeFileSync(join(root, "staging/gh-vm-1/meta-data"), "instance-id: x\n");
  writeFileSync(join(root, "staging/gh-vm-1/domain.xml"), "<domain/>\n");
  writeFileSync(join(root, "pool/base.qcow2"), "");
  if (withToken) writeFileSync(join(root, "etc/github-auth-header"), `Authorization: Bearer ${TOKEN}\n`, { mode: 0o600 });
  const text = renderShellScript(githubPoolFillScript(pool))
    .replace(/^auth=.*$/m, `auth=${join(root, "etc/github-auth-header")}`)
    .replace(/^staging=.*$/m, `staging=${join(root, "staging")}`)
    .replace(/^pool_dir=.*$/m, `pool_dir=${join(root, "pool")}`)
    .replace(/^base=.*$/m, `base=${join(root, "pool/base.qcow2")}`);
  return file("fill", text, 0o755);
}

describe("the host's fill script, against stub virsh, qemu-img, genisoimage and curl", () => {
  it("fills an empty slot: mints a JIT configuration with the token from the header file, puts it on the seed, defines and starts the VM", () => {
    const host = stubHost("201", '{"runner":{"id":7},"encoded_jit_config":"ZXlKaGJHY2lPaUpTVXpJMU5pSjkuZXhhbXBsZQ=="}');
    const r = spawnSync("/bin/sh", [fillScriptIn(host.root, true)], { encoding: "utf8", env: host.env });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /runner-fleet: gh-vm-1: started runner gh-vm-1-\d{14}/);
    const calls = readFileSync(host.log, "utf8");
    assert.ok(!calls.includes(TOKEN), "the token is never on a command line");
    assert.match(calls, /^curl .*--header @\S+github-auth-header .*--data-binary @\S+body\.json https:\/\/api\.github\.com\/repos\/acme\/app\/actions\/runners\/generate-jitconfig$/m);
    assert.equal(readFileSync(join(host.root, "sent-github-auth-header"), "utf8"), `Authorization: Bearer ${TOKEN}\n`, "the header file is what curl sends");
    const body = JSON.parse(readFileSync(join(host.root, "sent-body.json"), "utf8")) as Record<string, unknown>;
    assert.match(String(body["name"]), /^gh-vm-1-\d{14}$/);
    assert.deepEqual([body["runner_group_id"], body["labels"], body["work_folder"]], [1, ["self-hosted", "linux", "x64", "fenced-vm"], "_work"]);
    const seedFiles = readdirSync(join(host.root, "pool/gh-vm-1-seed.iso.part.files")).sort();
    assert.deepEqual(seedFiles, ["jitconfig", "meta-data", "network-config", "user-data"]);
    assert.equal(readFileSync(join(host.root, "pool/gh-vm-1-seed.iso.part.files/jitconfig"), "utf8").trim(), "ZXlKaGJHY2lPaUpTVXpJMU5pSjkuZXhhbXBsZQ==");
    assert.match(calls, /^virsh --connect qemu:\/\/\/system define --validate \S+\/staging\/gh-vm-1\/domain\.xml$/m);
    assert.match(calls, /^virsh --connect qemu:\/\/\/system start gh-vm-1$/m);
    assert.ok(existsSync(join(host.root, "pool/gh-vm-1-seed.iso")));
    assert.equal(readFileSync(join(host.root, "staging/gh-vm-1/runner-id"), "utf8").trim(), "7", "the runner's id is kept");
    // The VM powered off without taking a job: the next fill removes that runner from GitHub first.
    const again = spawnSync("/bin/sh", [fillScriptIn(host.root, true)], { encoding: "utf8", env: host.env });
    assert.equal(again.status, 0, again.stderr);
    assert.match(readFileSync(host.log, "utf8"), /^curl .*--request DELETE --header @\S+github-auth-header .* https:\/\/api\.github\.com\/repos\/acme\/app\/actions\/runners\/7$/m);
  });

  it("a refused request is logged with its HTTP status and why; the slot stays empty until the next run", () => {
    const host = stubHost("403", '{"message":"Resource not accessible by personal access token"}');
    const r = spawnSync("/bin/sh", [fillScriptIn(host.root, true)], { encoding: "utf8", env: host.env });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /runner-fleet: gh-vm-1: GitHub answered HTTP 403 to the JIT request \(Resource not accessible by personal access token\): the token may not manage runners here.*; the slot stays empty until the next run/);
    const calls = readFileSync(host.log, "utf8");
    assert.doesNotMatch(calls, /^(genisoimage|qemu-img)|start gh-vm-1/m, "nothing is built or started");
    assert.equal((calls.match(/^curl /gm) ?? []).length, 1, "one request per run: the timer paces retries");
  });

  it("without a staged token it says so and leaves every slot empty, successfully", () => {
    const host = stubHost("201", "{}");
    const r = spawnSync("/bin/sh", [fillScriptIn(host.root, false)], { encoding: "utf8", env: host.env });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /runner-fleet: no GitHub token at \S+github-auth-header: empty slots stay empty until it is staged \(pulumi up\)/);
    assert.equal(existsSync(host.log) ? readFileSync(host.log, "utf8").includes("curl") : false, false);
  });
});

describe("runner-fleet render, validate and audit on github-libvirt-runners (CLI, no environment)", () => {
  const env = { PATH: process.env["PATH"] ?? "", HOME: dir };
  const cli = (...args: string[]) => spawnSync(process.execPath, [join(REPO, "bin/runner-fleet.js"), ...args], { cwd: REPO, encoding: "utf8", env });

  it("renders every file, validates the render and audits the stack, printing no secret", () => {
    const out = join(dir, "out");
    const r = cli("render", "infra/pulumi/github-libvirt-runners", "--out", out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /11 resources of github-libvirt-runners \(stack dev\) written/);
    const files = readdirSync(out);
    for (const f of ["command-gh-stage-user-data.user-data.yaml", "command-gh-stage-network-config.network-config.yaml", "command-gh-stage-gh-vm-1-meta-data.meta-data.yaml", "command-gh-stage-gh-vm-1-domain-xml.domain.xml", "command-gh-slots.create.sh", "command-gh-slots.delete.sh", "command-gh-slots.runner-fleet-gh-vm-fill.sh", "command-gh-slots.runner-fleet-gh-vm-fill.service", "command-gh-slots.runner-fleet-gh-vm-fill.timer", "command-gh-stage-user-data.github-runner.service"]) {
      assert.ok(files.includes(f), `${f} is written`);
    }
    const everything = [r.stdout, r.stderr, ...files.map((f) => readFileSync(join(out, f), "utf8"))].join("\n");
    assert.ok(!everything.includes(SECURE), "no ciphertext");
    assert.ok(!everything.includes("PRIVATE KEY"));
    const v = cli("validate", out);
    assert.equal(v.status, 0, v.stdout + v.stderr);
    const a = cli("audit", "infra/pulumi/github-libvirt-runners");
    assert.ok(a.status === 0 || a.status === 1, a.stderr);
    assert.doesNotMatch(a.stderr, /\n\s+at /, "no stack trace");
  });

  it("the rendered create script unwraps to the install script the model renders", () => {
    const json = JSON.parse(readFileSync(join(dir, "out", "command-gh-slots.json"), "utf8")) as { inputs: { create: string } };
    const script = unwrapShellCommand(json.inputs.create) ?? assert.fail("the create command is /bin/sh -c '<script>'");
    assert.ok(script.startsWith("#!/bin/sh\n# Installs GitHub runner pool gh-vm"));
    assert.equal(execFileSync("sh", ["-n", file("create.sh", script)], { encoding: "utf8" }), "", "sh parses it");
  });
});
