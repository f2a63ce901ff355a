// Canaries: every secret setting and every misplaced credential shape must be absent from every
// output file, stdout and stderr of the commands that read stack settings, on all four stacks.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { renderStack } from "../src/offline/render-stack.ts";
import { writeRendered } from "../src/cli/render.ts";
import { REPO, editedStackConfig } from "./helpers.ts";

const STACKS = {
  "gh-runner": { stack: "dev", secrets: ["githubToken"] },
  "forgejo-k8s-runners": { stack: "dev", secrets: [] as string[] },
  "gh-runners-firecracker": { stack: "dev", secrets: ["githubToken", "githubAppPrivateKey"] },
  "foundation-runners": { stack: "crunchy", secrets: ["forgeApiToken"] },
  "github-libvirt-runners": { stack: "dev", secrets: ["githubToken"] },
  "aws-firecracker-runners": { stack: "dev", secrets: [] as string[] },
} as const;
type StackName = keyof typeof STACKS;

/** A distinct, well-shaped but fake credential per use, so a leak names its source. */
let serial = 0;
const canary = (kind: "ghp" | "pat" | "akia" | "hvs" | "pem" | "hex") => {
  const n = String(++serial).padStart(4, "0");
  switch (kind) {
    case "ghp": return `ghp_CANARY${n}${"Zq7".repeat(9)}`;
    case "pat": return `github_pat_CANARY${n}_${"Xy3".repeat(10)}`;
    case "akia": return `AKIACANARY${n}QQQQQQ`.slice(0, 20);
    case "hvs": return `hvs.CANARY${n}${"Lm9".repeat(8)}`;
    case "pem": return `-----BEGIN OPENSSH PRIVATE KEY-----\nCANARY${n}\n-----END OPENSSH PRIVATE KEY-----`;
    case "hex": return `cafe${n}`.padEnd(40, "0");
  }
};

/** Every file under `dir`, read as text. */
function filesUnder(dir: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else out.push({ path: p, text: readFileSync(p, "utf8") });
    }
  };
  walk(dir);
  return out;
}

function cli(args: string[]) {
  return spawnSync(process.execPath, [join(REPO, "bin/runner-fleet.js"), ...args], { cwd: REPO, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
}

/** Asserts that no canary appears in any of the texts (a secret's first line is enough to find it). */
function assertAbsent(canaries: readonly string[], texts: readonly { path: string; text: string }[]): void {
  for (const c of canaries) {
    const needle = c.split("\n").find((l) => l.includes("CANARY")) ?? c;
    const leak = texts.find((t) => t.text.includes(needle));
    assert.equal(leak, undefined, `canary ${needle.slice(0, 16)}… leaked into ${leak?.path}`);
  }
}

describe("canaries: secret settings never reach any output", () => {
  for (const [name, { stack, secrets }] of Object.entries(STACKS) as [StackName, (typeof STACKS)[StackName]][]) {
    if (secrets.length === 0) continue;
    it(`${name}: decrypted secrets handed over as the Pulumi CLI does appear in no rendered file`, async () => {
      const values = Object.fromEntries(secrets.map((k) => [k, k === "githubAppPrivateKey" ? canary("pem") : canary("ghp")]));
      const rendered = await renderStack(join(REPO, "infra/pulumi", name), { stack, secretValues: values });
      const out = mkdtempSync(join(tmpdir(), "rf-canary-"));
      writeRendered(rendered, out);
      assertAbsent(Object.values(values), [...filesUnder(out), { path: "rendered outputs", text: JSON.stringify(rendered) }]);
    });
  }

  for (const [name, { stack }] of Object.entries(STACKS) as [StackName, (typeof STACKS)[StackName]][]) {
    it(`${name}: a credential given as a secure value is in no output file, stdout or stderr of render and audit`, () => {
      const planted: string[] = [];
      const file = editedStackConfig(join(REPO, "infra/pulumi", name), stack, (config) => {
        for (const [k, v] of Object.entries(config)) {
          if (v !== null && typeof v === "object" && "secure" in v) {
            const c = canary("ghp");
            planted.push(c);
            config[k] = { secure: c };
          }
        }
        if (name === "gh-runner") {
          const c = canary("ghp");
          planted.push(c);
          config["gh-runner:githubToken"] = { secure: c };
        }
        if (name === "forgejo-k8s-runners") {
          const c = canary("pem");
          planted.push(c);
          config["kubernetes:kubeconfig"] = { secure: c };
        }
        if (name === "aws-firecracker-runners") {
          const c = canary("hvs");
          planted.push(c);
          config["vault:token"] = { secure: c };
        }
      });
      assert.ok(planted.length > 0);
      const out = mkdtempSync(join(tmpdir(), "rf-canary-"));
      const render = cli(["render", join("infra/pulumi", name), "--config-file", file, "--out", out]);
      assert.equal(render.status, 0, render.stderr);
      const audit = cli(["audit", join("infra/pulumi", name), "--config-file", file]);
      assert.ok(audit.status === 0 || audit.status === 1, audit.stderr);
      assertAbsent(planted, [...filesUnder(out), { path: "render stdout", text: render.stdout }, { path: "render stderr", text: render.stderr }, { path: "audit stdout", text: audit.stdout }, { path: "audit stderr", text: audit.stderr }]);
    });
  }
});

/** Plain settings with a credential in them, per stack: each must be refused and never echoed. */
const MISPLACED: Record<StackName, (config: Record<string, unknown>, plant: (c: string) => string) => void> = {
  "gh-runner": (config, plant) => {
    config["gh-runner:githubRepo"] = plant(canary("ghp"));
    const runners = config["gh-runner:runners"] as Record<string, unknown>[];
    runners[0]!["labels"] = [plant(canary("ghp"))];
    runners[1]!["env"] = [{ name: "MODEL_URL", value: `https://bot:${plant(canary("hex"))}@models.example.com/v1` }];
    const codex = config["gh-runner:codexConfig"] as Record<string, unknown>;
    codex["configToml"] = `${String(codex["configToml"])}\n[mcp_servers.github.env]\nGITHUB_PERSONAL_ACCESS_TOKEN = "${plant(canary("pat"))}"\n`;
  },
  "gh-runners-firecracker": (config, plant) => {
    config["gh-runners-firecracker:githubScope"] = plant(canary("ghp"));
    config["gh-runners-firecracker:githubUrl"] = `https://x-access-token:${plant(canary("ghp"))}@github.example.com`;
    config["gh-runners-firecracker:runnerLabels"] = ["self-hosted", plant(canary("pat"))];
  },
  "foundation-runners": (config, plant) => {
    const forge = config["foundation-runners:forge"] as Record<string, unknown>;
    forge["address"] = `https://forgejo.example.com/?access_token=${plant(canary("hex"))}`;
    const runner = config["foundation-runners:runner"] as Record<string, unknown>;
    runner["labels"] = [`${plant(canary("hex"))}:docker://node:22.12.0-bookworm`];
    config["foundation-runners:libvirtHostKey"] = plant(canary("pem"));
  },
  "forgejo-k8s-runners": (config, plant) => {
    config["forgejo-k8s-runners:forgejoUrl"] = `https://runner:${plant(canary("hex"))}@code.example.com`;
    const runners = config["forgejo-k8s-runners:runners"] as Record<string, unknown>[];
    runners[0]!["labels"] = [`${plant(canary("ghp"))}:host`];
    runners[1]!["env"] = [{ name: "MODEL_URL", value: `https://bot:${plant(canary("hex"))}@models.example.com/v1` }];
  },
  "github-libvirt-runners": (config, plant) => {
    config["github-libvirt-runners:githubScope"] = plant(canary("ghp"));
    config["github-libvirt-runners:githubUrl"] = `https://x-access-token:${plant(canary("ghp"))}@github.example.com`;
    config["github-libvirt-runners:runnerLabels"] = [plant(canary("pat"))];
  },
  "aws-firecracker-runners": (config, plant) => {
    config["aws-firecracker-runners:tags"] = { team: "ci", leaked: plant(canary("akia")) };
    config["vault:address"] = `https://vault.internal.example:8200/?token=${plant(canary("hvs"))}`;
    config["aws:secretKey"] = plant(canary("akia"));
    const runner = config["aws-firecracker-runners:runner"] as Record<string, unknown>;
    runner["githubUrl"] = `https://ci:${plant(canary("ghp"))}@github.com/acme`;
  },
};

describe("canaries: credentials misplaced in plain settings are refused, never echoed", () => {
  for (const [name, { stack }] of Object.entries(STACKS) as [StackName, (typeof STACKS)[StackName]][]) {
    it(`${name}: render exits 2, names each key, writes nothing and quotes none of them`, () => {
      const planted: string[] = [];
      const plant = (c: string) => (planted.push(c), c);
      const file = editedStackConfig(join(REPO, "infra/pulumi", name), stack, (config) => MISPLACED[name](config, plant));
      const out = mkdtempSync(join(tmpdir(), "rf-canary-"));
      const render = cli(["render", join("infra/pulumi", name), "--config-file", file, "--out", out]);
      assert.equal(render.status, 2, render.stdout + render.stderr);
      assert.match(render.stderr, /looks like a secret|must be a secret/);
      assert.doesNotMatch(render.stderr, /\n\s+at /, "no stack trace");
      const debug = cli(["render", join("infra/pulumi", name), "--config-file", file, "--out", out, "--debug"]);
      assertAbsent(planted, [...filesUnder(out), { path: "stdout", text: render.stdout }, { path: "stderr", text: render.stderr }, { path: "--debug stderr", text: debug.stderr }]);
    });
  }
});

describe("canaries: diff never prints a credential found in the manifest it compares with", () => {
  it("neither in the table nor in --json", () => {
    const token = canary("ghp");
    const live = readFileSync(join(REPO, "deploy/gh-runner/deployment.yaml"), "utf8").replace("value: https://github.com/my-reforge-ai/my-reforge-ai", `value: https://x:${token}@github.com/my-reforge-ai/my-reforge-ai`);
    const file = join(mkdtempSync(join(tmpdir(), "rf-canary-")), "live.yaml");
    writeFileSync(file, live);
    for (const format of [[], ["--json"]]) {
      const r = cli(["diff", "infra/pulumi/gh-runner", "--against", file, ...format]);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stdout, /credential-shaped value/);
      assertAbsent([token], [{ path: "stdout", text: r.stdout }, { path: "stderr", text: r.stderr }]);
    }
  });
});
