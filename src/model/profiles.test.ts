import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { Ajv } from "ajv";
import { parse } from "yaml";
import { ConfigError } from "./issues.ts";
import { FORGE_KINDS } from "./forge.ts";
import { SUBSTRATE_KINDS } from "./substrate.ts";
import {
  PROFILE_DEFAULTS,
  TRUST_LEVELS,
  isUntrustedSafe,
  parseProfiles,
  resolveProfiles,
  runnerProfileSchema,
  runnerProfilesFileSchema,
  type RunnerProfileInput,
} from "./profiles.ts";

const repoRoot = resolve(import.meta.dirname, "../..");
const yamlFile = resolve(repoRoot, "config/runner-isolation.yaml");
const schemaFile = resolve(repoRoot, "config/runner-isolation.schema.json");
const shippedText = readFileSync(yamlFile, "utf8");
const schema = JSON.parse(readFileSync(schemaFile, "utf8")) as Record<string, unknown> & {
  required: string[];
  properties: Record<string, unknown>;
  definitions: { profile: { required: string[]; properties: Record<string, { enum?: string[]; default?: unknown }> } };
};
const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);

function issuesOf(fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e.issues;
  }
  assert.fail("expected a ConfigError");
}

const valid = (over: Partial<RunnerProfileInput> = {}): RunnerProfileInput => ({
  name: "pool",
  labels: ["self-hosted", "linux", "pool"],
  trust: "trusted",
  fenced: false,
  ephemeral: false,
  substrate: "kubernetes-deployment",
  maxParallelPerJob: 1,
  maxConcurrentPerWorkflow: 2,
  ...over,
});

test("the shipped profiles file is valid for the JSON Schema and for the model", () => {
  const doc: unknown = parse(shippedText);
  assert.equal(validate(doc), true, JSON.stringify(validate.errors));
  const profiles = parseProfiles(shippedText, "config/runner-isolation.yaml");
  assert.deepEqual(profiles.map((p) => p.name), ["gh-runner-codex", "gh-runner-gemini", "arc-firecracker", "forgejo-fenced", "aws-fips"]);
});

test("the shipped profiles describe the project's fleets", () => {
  const byName = new Map(parseProfiles(shippedText, "x").map((p) => [p.name, p]));
  for (const agent of ["codex", "gemini"]) {
    const p = byName.get(`gh-runner-${agent}`)!;
    assert.deepEqual(p.labels, ["self-hosted", "linux", "x64", agent]);
    assert.equal(p.trust, "trusted");
    assert.equal(p.ephemeral, false, "the gh-runner Deployments are persistent");
    assert.equal(isUntrustedSafe(p), false);
  }
  const arc = byName.get("arc-firecracker")!;
  assert.deepEqual(arc.labels, ["self-hosted", "linux", "x64", "firecracker"]);
  assert.equal(isUntrustedSafe(arc), true, "arc-firecracker takes fork pull requests");
  const forgejo = byName.get("forgejo-fenced")!;
  assert.equal(forgejo.forge, "forgejo");
  assert.deepEqual(forgejo.labels, ["fenced"]);
  assert.equal(forgejo.fenced, true);
  assert.equal(forgejo.ephemeral, false, "the forgejo-runner daemon is persistent inside its VM");
  assert.equal(forgejo.runnerGroup, undefined, "runner groups are a GitHub concept");
  const fips = byName.get("aws-fips")!;
  assert.deepEqual(fips.labels, ["self-hosted", "build-fips", "linux"]);
  assert.equal(fips.ephemeral, true);
  assert.equal(fips.trust, "trusted");
  assert.equal(fips.substrate, "ec2");
});

test("the YAML file points editors at the JSON Schema next to it", () => {
  const first = shippedText.split("\n")[0];
  assert.equal(first, "# yaml-language-server: $schema=./runner-isolation.schema.json");
});

test("the JSON Schema and the zod model list the same keys, required keys and enums", () => {
  assert.deepEqual(Object.keys(schema.properties).sort(), Object.keys(runnerProfilesFileSchema.shape).sort());
  assert.deepEqual(schema.required, ["profiles"]);
  const shape = runnerProfileSchema.shape;
  const props = schema.definitions.profile.properties;
  assert.deepEqual(Object.keys(props).sort(), Object.keys(shape).sort());
  const zodRequired = Object.entries(shape).filter(([, s]) => !s.safeParse(undefined).success).map(([k]) => k);
  assert.deepEqual([...schema.definitions.profile.required].sort(), zodRequired.sort());
  assert.deepEqual(props["forge"]?.enum, [...FORGE_KINDS]);
  assert.deepEqual(props["trust"]?.enum, [...TRUST_LEVELS]);
  assert.deepEqual(props["substrate"]?.enum, [...SUBSTRATE_KINDS]);
});

test("the defaults the JSON Schema documents are the ones the model applies", () => {
  const props = schema.definitions.profile.properties;
  assert.equal(props["forge"]?.default, PROFILE_DEFAULTS.forge);
  assert.equal(props["runnerGroup"]?.default, PROFILE_DEFAULTS.runnerGroup);
  const [p] = resolveProfiles({ profiles: [valid()] });
  assert.equal(p!.forge, "github");
  assert.equal(p!.runnerGroup, "Default");
});

test("variants both validators accept", () => {
  const docs = [
    { profiles: [valid()] },
    { profiles: [valid({ forge: "forgejo", labels: ["fenced"], trust: "untrusted", fenced: true })] },
    { profiles: [valid({ runnerGroup: "release", description: "release builds", substrate: "ec2", ephemeral: true })] },
  ];
  for (const doc of docs) {
    assert.equal(validate(doc), true, `${JSON.stringify(doc)}: ${JSON.stringify(validate.errors)}`);
    assert.doesNotThrow(() => resolveProfiles(doc));
  }
});

test("every single-key mistake is rejected by both the JSON Schema and the model, at its key path", () => {
  const cases: { doc: unknown; path: string }[] = [
    { doc: { profiles: [valid({ trust: "maybe" as "trusted" })] }, path: "profiles[0].trust" },
    { doc: { profiles: [valid({ substrate: "bare-metal" as "ec2" })] }, path: "profiles[0].substrate" },
    { doc: { profiles: [valid({ forge: "gitlab" as "github" })] }, path: "profiles[0].forge" },
    { doc: { profiles: [valid({ name: "Pool_1" })] }, path: "profiles[0].name" },
    { doc: { profiles: [valid({ labels: [] })] }, path: "profiles[0].labels" },
    { doc: { profiles: [valid({ labels: ["self-hosted,linux"] })] }, path: "profiles[0].labels[0]" },
    { doc: { profiles: [valid({ labels: ["two words"] })] }, path: "profiles[0].labels[0]" },
    { doc: { profiles: [valid({ maxParallelPerJob: 0 })] }, path: "profiles[0].maxParallelPerJob" },
    { doc: { profiles: [valid({ maxConcurrentPerWorkflow: 1.5 })] }, path: "profiles[0].maxConcurrentPerWorkflow" },
    { doc: { profiles: [valid({ fenced: "yes" as unknown as boolean })] }, path: "profiles[0].fenced" },
    { doc: { profiles: [valid({ runnerGroup: "" })] }, path: "profiles[0].runnerGroup" },
    { doc: { profiles: [{ ...valid(), lables: ["x"] }] }, path: "profiles[0].lables" },
    { doc: { profiles: [(({ ephemeral: _e, ...rest }) => rest)(valid())] }, path: "profiles[0].ephemeral" },
    { doc: { profiles: [valid({ forge: "forgejo", runnerGroup: "x" })] }, path: "profiles[0].runnerGroup" },
    { doc: { profiles: [valid({ forge: "forgejo", labels: ["fenced:docker://node:20-bookworm"] })] }, path: "profiles[0].labels[0]" },
    { doc: { profile: [] }, path: "profile" },
  ];
  for (const { doc, path } of cases) {
    assert.equal(validate(doc), false, `JSON Schema accepted ${JSON.stringify(doc)}`);
    const issues = issuesOf(() => resolveProfiles(doc));
    const issue = issues.find((i) => i.path === path);
    assert.ok(issue, `no issue at ${path} for ${JSON.stringify(doc)}; got ${JSON.stringify(issues)}`);
    assert.ok(issue.fix.length > 10, `issue at ${path} has no fix`);
  }
});

test("an invalid profiles file is rejected by both, with every problem, its key path, line and fix", () => {
  const text = [
    "# yaml-language-server: $schema=./runner-isolation.schema.json",
    "profiles:",
    "  - name: pool",
    "    labels: [self-hosted, pool]",
    "    trust: maybe",
    "    fenced: false",
    "    substrate: kubernetes-deployment",
    "    maxParallelPerJob: 0",
    "    maxConcurrentPerWorkflow: 2",
    "    colour: blue",
    "",
  ].join("\n");
  assert.equal(validate(parse(text)), false);
  const issues = issuesOf(() => parseProfiles(text, "bad.yaml"));
  const at = (path: string) => issues.find((i) => i.path === path);
  assert.match(at("profiles[0].trust")!.message, /trusted, untrusted.*\(bad\.yaml:5\)/);
  assert.match(at("profiles[0].trust")!.fix, /use one of: trusted, untrusted/);
  assert.match(at("profiles[0].ephemeral")!.message, /is required \(bad\.yaml:3\)/);
  assert.match(at("profiles[0].maxParallelPerJob")!.message, /1 or more.*bad\.yaml:8/);
  assert.match(at("profiles[0].colour")!.message, /not a known key.*bad\.yaml:10/);
  assert.equal(at("profiles[0].colour")!.fix, "remove it, or correct its spelling");
  assert.equal(issues.length, 4);
});

test("a profiles file that is not YAML names the file, line and column", () => {
  const issues = issuesOf(() => parseProfiles("profiles:\n  - name: [unclosed\n", "broken.yaml"));
  assert.match(issues[0]!.path, /^broken\.yaml:\d+:\d+$/);
  assert.match(issues[0]!.message, /is not valid YAML/);
  assert.match(issues[0]!.fix, /correct the YAML syntax/);
});

test("duplicate names and repeated labels are refused", () => {
  const issues = issuesOf(() => resolveProfiles({ profiles: [valid(), valid({ labels: ["pool", "Pool"] })] }));
  assert.deepEqual(issues.map((i) => i.path), ["profiles[1].name", "profiles[1].labels[1]"]);
  assert.match(issues[0]!.message, /already the name of profiles\[0\]/);
  assert.match(issues[1]!.message, /case-insensitively/);
});

test("a per-job budget above the per-workflow budget is refused", () => {
  const [issue] = issuesOf(() => resolveProfiles({ profiles: [valid({ maxParallelPerJob: 4, maxConcurrentPerWorkflow: 2 })] }));
  assert.equal(issue!.path, "profiles[0].maxParallelPerJob");
  assert.match(issue!.fix, /lower maxParallelPerJob to 2/);
});

test("trusted and untrusted profiles may not share a label set, in either direction", () => {
  const untrusted = valid({ name: "forks", labels: ["self-hosted", "linux"], trust: "untrusted", fenced: true, ephemeral: true });
  const [a] = issuesOf(() => resolveProfiles({ profiles: [valid(), untrusted] }));
  assert.equal(a!.path, "profiles[1].labels");
  assert.match(a!.message, /job aimed at "forks" can land on a trusted runner/);
  assert.match(a!.fix, /give "forks" a label that "pool" does not carry/);

  const wide = valid({ name: "forks", labels: ["self-hosted", "linux", "pool", "microvm"], trust: "untrusted", fenced: true, ephemeral: true });
  const [b] = issuesOf(() => resolveProfiles({ profiles: [valid(), wide] }));
  assert.equal(b!.path, "profiles[0].labels");
  assert.match(b!.message, /job aimed at "pool" can land on an untrusted runner/);

  // Different forges never share runners.
  assert.doesNotThrow(() => resolveProfiles({ profiles: [valid(), { ...untrusted, forge: "forgejo" }] }));
});

test("an empty profile list is refused", () => {
  const [issue] = issuesOf(() => resolveProfiles({ profiles: [] }));
  assert.equal(issue!.path, "profiles");
  assert.match(issue!.fix, /add at least one profile/);
});

// Wrong and huge values, in the words of a YAML file.

const validText = readFileSync(resolve(repoRoot, "test/fixtures/guard/profiles.yaml"), "utf8");

test("a wrong type at every key is refused at that key path, in YAML's words", () => {
  const keys = ["name", "description", "forge", "labels", "trust", "fenced", "ephemeral", "substrate", "runnerGroup", "maxParallelPerJob", "maxConcurrentPerWorkflow"];
  for (const key of keys) {
    for (const wrong of [42, true, null, ["a"], { a: 1 }, "text"]) {
      const profile: Record<string, unknown> = { ...valid(), [key]: wrong };
      if (JSON.stringify(wrong) === JSON.stringify(profile[key]) || (key === "labels" && Array.isArray(wrong))) continue;
      let issues;
      try {
        resolveProfiles({ profiles: [profile] });
        issues = undefined;
      } catch (e) {
        issues = (e as ConfigError).issues;
      }
      if (key === "description" && typeof wrong === "string") continue; // any text is a description
      if (key === "runnerGroup" && typeof wrong === "string") continue;
      assert.ok(issues, `${key}: ${JSON.stringify(wrong)} was accepted`);
      const issue = issues.find((i) => i.path === `profiles[0].${key}`);
      assert.ok(issue, `${key}: ${JSON.stringify(wrong)}: ${JSON.stringify(issues)}`);
      assert.ok(issue.fix.length > 10);
    }
  }
  const label = issuesOf(() => parseProfiles(validText.replace("labels: [fenced]", "labels: [fenced, 42]"), "p.yaml")).find((i) => i.path === "profiles[3].labels[1]")!;
  assert.match(label.message, /must be a string, not a number \(p\.yaml:\d+\)/);
  assert.match(label.fix, /write profiles\[3\]\.labels\[1\] in quotes, so that YAML reads it as text \(e\.g\. "42"\)/);
  assert.match(issuesOf(() => resolveProfiles({ profiles: [{ ...valid(), labels: { a: "b" } }] }))[0]!.message, /must be a list of labels/);
  assert.match(issuesOf(() => resolveProfiles({ profiles: ["pool"] }))[0]!.message, /must be a mapping \(key: value lines\), not a string/);
});

test("huge values are refused with the limit, never quoted in full", () => {
  const long = "a".repeat(200_000);
  const started = Date.now();
  const cases: [Partial<RunnerProfileInput>, string, RegExp][] = [
    [{ labels: [long] }, "profiles[0].labels[0]", /longer than 256 characters/],
    [{ name: long }, "profiles[0].name", /is not a profile name/],
    [{ description: long }, "profiles[0].description", /is 200000 characters long, more than 2000/],
    [{ runnerGroup: long }, "profiles[0].runnerGroup", /more than 256/],
    [{ maxParallelPerJob: 1e308 }, "profiles[0].maxParallelPerJob", /more than 100000/],
    [{ maxConcurrentPerWorkflow: 2 ** 60 }, "profiles[0].maxConcurrentPerWorkflow", /more than 100000/],
    [{ labels: Array.from({ length: 101 }, (_, i) => `l${i}`) }, "profiles[0].labels", /lists 101 labels, more than 100/],
  ];
  for (const [over, path, message] of cases) {
    const e = (() => {
      try {
        resolveProfiles({ profiles: [valid(over)] });
      } catch (err) {
        return err as ConfigError;
      }
      assert.fail(`accepted ${path}`);
    })();
    const issue = e.issues.find((i) => i.path === path);
    assert.ok(issue, `${path}: ${JSON.stringify(e.issues).slice(0, 300)}`);
    assert.match(issue.message, message);
    assert.ok(e.message.length < 2000, `message of ${e.message.length} characters`);
  }
  assert.ok(Date.now() - started < 3000, "long values are not scanned character by character in slow patterns");
  const many = { profiles: Array.from({ length: 1001 }, (_, i) => valid({ name: `p${i}`, labels: [`l${i}`] })) };
  assert.match(issuesOf(() => resolveProfiles(many))[0]!.message, /lists 1001 profiles, more than 1000/);
});
