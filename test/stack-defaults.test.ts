// Defaults in one place: every default a stack's Pulumi.yaml declares is the model's default, as
// its settings spec states it (the spec takes it from the model's defaults constant), and every
// default the spec states is declared in Pulumi.yaml, so `pulumi up` and the offline render start
// from the same values. An empty string in Pulumi.yaml means "unset": the model's own default applies.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type { SettingSpec, SettingsSpec } from "../src/model/index.ts";
import * as pulumiLayer from "../src/pulumi/index.ts";
import { REPO } from "./helpers.ts";

/** Each stack's settings spec, by the stack's directory. */
const SPECS: Readonly<Record<string, string>> = {
  "gh-runner": "GH_RUNNER_SETTINGS",
  "forgejo-k8s-runners": "FORGEJO_K8S_SETTINGS",
  "gh-runners-firecracker": "ARC_SETTINGS",
  "foundation-runners": "FOUNDATION_RUNNERS_SETTINGS",
  "github-libvirt-runners": "GITHUB_LIBVIRT_SETTINGS",
  "aws-firecracker-runners": "AWS_STACK_SETTINGS",
};

const STACKS_DIR = join(REPO, "infra/pulumi");

function declaredDefaults(stack: string): Map<string, unknown> {
  const project = parse(readFileSync(join(STACKS_DIR, stack, "Pulumi.yaml"), "utf8")) as { config?: Record<string, unknown> };
  const out = new Map<string, unknown>();
  for (const [key, decl] of Object.entries(project.config ?? {})) {
    if (key.includes(":")) continue; // a provider's setting, not the stack's own
    if (decl !== null && typeof decl === "object" && !Array.isArray(decl) && "default" in decl) out.set(key, (decl as { default: unknown }).default);
  }
  return out;
}

describe("Pulumi.yaml defaults equal the model's", () => {
  it("every stack under infra/pulumi has a settings spec listed here", () => {
    const stacks = readdirSync(STACKS_DIR).filter((d) => existsSync(join(STACKS_DIR, d, "Pulumi.yaml")));
    assert.deepEqual(stacks.filter((s) => !(s in SPECS)), [], "add the stack's settings spec to SPECS");
  });

  for (const [stack, specName] of Object.entries(SPECS)) {
    it(`${stack}: Pulumi.yaml and ${specName} state the same defaults`, () => {
      const spec = (pulumiLayer as unknown as Record<string, SettingsSpec | undefined>)[specName];
      assert.ok(spec, `${specName} is exported by src/pulumi`);
      const declared = declaredDefaults(stack);
      assert.ok(declared.size > 0 || Object.values(spec).every((s) => !("default" in s)), "the stack declares defaults");
      for (const [key, value] of declared) {
        const s: SettingSpec | undefined = spec[key];
        assert.ok(s, `Pulumi.yaml declares ${key}, which ${specName} does not read`);
        const modelDefault: unknown = "default" in s ? s.default : undefined;
        if (value === "" && modelDefault === undefined) continue; // "unset": the model's default applies
        assert.deepEqual(value, modelDefault, `${stack}: Pulumi.yaml's default of ${key} is ${JSON.stringify(value)}, the model's is ${JSON.stringify(modelDefault)}`);
      }
      for (const [key, s] of Object.entries(spec)) {
        if ("default" in s && s.default !== undefined) assert.ok(declared.has(key), `${specName}.${key} has a default that Pulumi.yaml does not declare`);
      }
    });
  }
});

describe("the Kubernetes Deployment stacks fence their runner pods unless told not to", () => {
  for (const stack of ["gh-runner", "forgejo-k8s-runners"]) {
    it(`${stack}: Pulumi.yaml declares networkPolicies: true, the opt-out being false`, () => assert.equal(declaredDefaults(stack).get("networkPolicies"), true));
  }
});
