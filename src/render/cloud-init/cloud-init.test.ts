import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { type ResolvedForgejoVm, resolveForgejoVm } from "../../model/forgejo-vm.ts";
import { ConfigError } from "../../model/issues.ts";
import { renderCloudInit, renderCloudInitRedacted } from "./cloud-init.ts";
import { CLOUD_CONFIG_KEYS, REDACTED } from "./user-data.ts";
import { needs, requireTool } from "../../../test/validators.ts";

const repoRoot = join(import.meta.dirname, "..", "..", "..");
const input = (): Record<string, Record<string, unknown>> => parse(readFileSync(join(repoRoot, "test/fixtures/libvirt/forgejo-vm.yaml"), "utf8"));
const staticVm = resolveForgejoVm(input());
const dhcpVm = (() => {
  const i = input();
  i["vm"] = { name: "fj-runner-2" };
  return resolveForgejoVm(i);
})();
const TOKEN = "Rk7c2bV0yq1xW3n9LmA4sD8fG6hJ5tP0oQ2uE7iZ";

const tmp = () => mkdtempSync(join(tmpdir(), "cloud-init-"));
function write(name: string, text: string): string {
  const f = join(tmp(), name);
  writeFileSync(f, text);
  return f;
}

/** The Python interpreter cloud-init runs on (its own modules are importable there). */
const cloudInitPython = (): string => {
  const bin = execFileSync("sh", ["-c", "command -v cloud-init"], { encoding: "utf8" }).trim();
  return readFileSync(bin, "utf8").split("\n")[0]?.replace(/^#!\s*/, "").split(" ")[0] ?? "python3";
};

interface WriteFile { path: string; content: string; owner: string; permissions: string }
interface UserData { users: { name: string; uid: number }[]; packages: string[]; write_files: WriteFile[]; runcmd: (string | string[])[] }
const userDataOf = (text: string): UserData => parse(text) as UserData;

function shellcheck(name: string, text: string): void {
  const f = write(name, text);
  const r = spawnSync("shellcheck", ["--shell=sh", f], { encoding: "utf8" });
  assert.equal(r.status, 0, `shellcheck ${name}:\n${r.stdout}${r.stderr}`);
}

test("cloud-init's schema accepts the user-data, static and DHCP, real and redacted", needs("cloud-init"), () => {
  requireTool("cloud-init");
  for (const text of [renderCloudInit(staticVm, { registrationToken: TOKEN }).userData, renderCloudInitRedacted(staticVm).userData, renderCloudInitRedacted(dhcpVm).userData]) {
    assert.ok(text.startsWith("#cloud-config\n"));
    const r = spawnSync("cloud-init", ["schema", "--config-file", write("user-data", text)], { encoding: "utf8" });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /Valid cloud-config/);
  }
});

test("every top-level key is a key of a cloud-init module (cloud-init itself ignores unknown keys)", needs("cloud-init"), () => {
  requireTool("cloud-init");
  const py = cloudInitPython();
  const dir = execFileSync(py, ["-c", "import os, cloudinit.config.schema as s; print(os.path.dirname(s.__file__))"], { encoding: "utf8" }).trim();
  const schema = JSON.parse(readFileSync(join(dir, "schemas", "schema-cloud-config-v1.json"), "utf8")) as { allOf: { $ref: string }[]; $defs: Record<string, { properties?: Record<string, unknown> }> };
  const allowed = new Set(schema.allOf.flatMap((r) => Object.keys(schema.$defs[r.$ref.split("/").pop() ?? ""]?.properties ?? {})));
  assert.ok(allowed.has("runcmd") && !allowed.has("runcmds"), "the allowlist is the real module key set");
  for (const vm of [staticVm, dhcpVm]) {
    const keys = Object.keys(parse(renderCloudInitRedacted(vm).userData) as object);
    assert.deepEqual(keys, [...CLOUD_CONFIG_KEYS]);
    for (const k of keys) assert.ok(allowed.has(k), `${k} is not a cloud-config key`);
  }
});

test("every script in write_files, the runcmd script and every ExecStart pass shellcheck", needs("shellcheck", "cloud-init"), () => {
  requireTool("shellcheck", "cloud-init");
  const ud = userDataOf(renderCloudInit(staticVm, { registrationToken: TOKEN }).userData);
  const scripts = ud.write_files.filter((f) => f.content.startsWith("#!"));
  assert.deepEqual(scripts.map((f) => f.path), ["/usr/local/sbin/install-forgejo-runner", "/usr/local/sbin/register-forgejo-runner"]);
  for (const f of scripts) shellcheck(f.path.split("/").pop() ?? "script", f.content);

  // The runcmd script exactly as cloud-init assembles it (its own shellify).
  const runcmd = execFileSync(cloudInitPython(), ["-c", "import json, sys; from cloudinit.util import shellify; sys.stdout.write(shellify(json.load(sys.stdin)))"], { input: JSON.stringify(ud.runcmd), encoding: "utf8" });
  assert.match(runcmd, /^#!\/bin\/sh\nset -eu\n/);
  shellcheck("runcmd", runcmd);

  const units = ud.write_files.filter((f) => f.path.endsWith(".service"));
  assert.deepEqual(units.map((u) => u.path), ["/etc/systemd/system/forgejo-runner.service"]);
  const execs = units.flatMap((u) => [...u.content.matchAll(/^Exec\w*=(.*)$/gm)].map((m) => m[1] ?? ""));
  assert.equal(execs.length, 1);
  for (const e of execs) shellcheck("exec", `#!/bin/sh\n${e}\n`);
});

test("the VM gets docker.io, the node exporter and the guest agent, a runner user with uid 1000, and starts the runner after registering", () => {
  const ud = userDataOf(renderCloudInitRedacted(staticVm).userData);
  assert.deepEqual(ud.packages, ["docker.io", "prometheus-node-exporter", "qemu-guest-agent"]);
  assert.deepEqual(ud.users.map((u) => [u.name, u.uid]), [["runner", 1000]], "no `default` user to take uid 1000");
  const lines = ud.runcmd.map((c) => (Array.isArray(c) ? c.join(" ") : c));
  assert.deepEqual(lines, [
    "set -eu",
    "systemctl enable --now docker.service",
    "systemctl start qemu-guest-agent.service",
    "/usr/local/sbin/install-forgejo-runner",
    "/usr/local/sbin/register-forgejo-runner",
    "systemctl daemon-reload",
    "systemctl enable --now forgejo-runner.service",
  ]);
});

test("the runner config keeps the docker socket, privileges and host volumes away from jobs", () => {
  const ud = userDataOf(renderCloudInitRedacted(staticVm).userData);
  const file = ud.write_files.find((f) => f.path === "/etc/forgejo-runner/config.yaml");
  assert.ok(file);
  assert.equal(file.permissions, "0644");
  const cfg = parse(file.content) as { runner: { capacity: number; labels: string[]; file: string }; cache: { enabled: boolean }; container: Record<string, unknown> };
  assert.equal(cfg.container["docker_host"], "-");
  assert.equal(cfg.container["privileged"], false);
  assert.deepEqual(cfg.container["valid_volumes"], []);
  assert.equal(cfg.cache.enabled, true);
  assert.equal(cfg.runner.capacity, 1);
  assert.equal(cfg.runner.file, "/home/runner/.runner");
  assert.deepEqual(cfg.runner.labels, ["fenced:docker://node:22.12.0-bookworm", "fenced-slim:docker://node:22.12.0-bookworm-slim"]);
});

test("the token appears only in the root-only token file, and never in the redacted rendering", () => {
  const real = renderCloudInit(staticVm, { registrationToken: TOKEN });
  assert.equal(real.userData.split(TOKEN).length - 1, 1, "exactly one occurrence");
  const tokenFile = userDataOf(real.userData).write_files.find((f) => f.content === TOKEN);
  assert.deepEqual(tokenFile && [tokenFile.path, tokenFile.owner, tokenFile.permissions], ["/etc/forgejo-runner/registration-token", "root:root", "0600"]);
  assert.equal(real.networkConfig.includes(TOKEN) || real.metaData.includes(TOKEN), false);
  assert.equal(real.redacted, false);

  const redacted = renderCloudInitRedacted(staticVm);
  assert.equal(redacted.redacted, true);
  assert.equal(JSON.stringify(redacted).includes(TOKEN), false);
  assert.equal(userDataOf(redacted.userData).write_files.find((f) => f.path === "/etc/forgejo-runner/registration-token")?.content, REDACTED);
  const realDoc = userDataOf(real.userData);
  const swapped = { ...realDoc, write_files: realDoc.write_files.map((f) => (f.content === TOKEN ? { ...f, content: REDACTED } : f)) };
  assert.deepEqual(userDataOf(redacted.userData), swapped, "the renderings differ only in the token");
});

test("a malformed token is refused without being echoed", () => {
  for (const bad of ["", "two words", "tok\nruncmd: [evil]", REDACTED]) {
    assert.throws(() => renderCloudInit(staticVm, { registrationToken: bad }), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.issues[0]?.path, "registrationToken");
      assert.match(e.issues[0]?.fix ?? "", /token/);
      return bad === "" || !e.message.includes(bad);
    });
  }
});

test("the instance-id changes with the configuration but not with the token", () => {
  const a = renderCloudInit(staticVm, { registrationToken: TOKEN });
  const b = renderCloudInit(staticVm, { registrationToken: "Zz9" + TOKEN.slice(3) });
  assert.equal(a.instanceId, b.instanceId);
  assert.equal(a.instanceId, renderCloudInitRedacted(staticVm).instanceId);
  assert.match(a.instanceId, /^iid-fj-runner-1-[0-9a-f]{16}$/);
  const changed: ResolvedForgejoVm = { ...staticVm, runner: { ...staticVm.runner, capacity: 2 } };
  assert.notEqual(renderCloudInitRedacted(changed).instanceId, a.instanceId);
  assert.deepEqual(parse(a.metaData), { "instance-id": a.instanceId, "local-hostname": "fj-runner-1" });
});

/** Runs cloud-init's own network-config parser and renderer; returns the files it wrote. */
function netConvert(networkConfig: string, output: "netplan" | "networkd"): string {
  const dir = tmp();
  const src = join(dir, "network-config");
  writeFileSync(src, networkConfig);
  const r = spawnSync("cloud-init", ["devel", "net-convert", "-p", src, "-k", "yaml", "-d", join(dir, "out"), "-D", "ubuntu", "-O", output], { encoding: "utf8" });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  const files = execFileSync("find", [join(dir, "out"), "-type", "f"], { encoding: "utf8" }).trim().split("\n");
  assert.ok(files.length > 0 && readdirSync(join(dir, "out")).length > 0);
  return files.map((f) => readFileSync(f, "utf8")).join("\n");
}

test("static network-config: netplan v2 address, default route and nameservers that cloud-init parses", needs("cloud-init"), () => {
  requireTool("cloud-init");
  const nc = renderCloudInitRedacted(staticVm).networkConfig;
  assert.deepEqual(parse(nc), {
    version: 2,
    ethernets: {
      primary: {
        match: { name: "en*" },
        dhcp4: false,
        dhcp6: false,
        addresses: ["192.168.1.15/24"],
        routes: [{ to: "0.0.0.0/0", via: "192.168.1.1" }],
        nameservers: { addresses: ["192.168.1.1", "9.9.9.9"] },
      },
    },
  });
  const networkd = netConvert(nc, "networkd");
  assert.match(networkd, /^Address=192\.168\.1\.15\/24$/m);
  assert.match(networkd, /^Gateway=192\.168\.1\.1$/m);
  assert.match(networkd, /^DHCP=no$/m);
  assert.match(netConvert(nc, "netplan"), /name: en\*/);
});

test("DHCP network-config when vm.ipCidr is empty", needs("cloud-init"), () => {
  requireTool("cloud-init");
  const nc = renderCloudInitRedacted(dhcpVm).networkConfig;
  assert.deepEqual(parse(nc), { version: 2, ethernets: { primary: { match: { name: "en*" }, dhcp4: true, dhcp6: false, "dhcp-identifier": "mac" } } });
  assert.match(netConvert(nc, "networkd"), /^DHCP=ipv4$/m);
});
