import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "./issues.ts";
import { didYouMean, visible } from "./did-you-mean.ts";
import { redactCredentials, looksLikeCredential } from "./credential-shape.ts";
import { readSettings, settingsFromValues, type SettingsSpec } from "./stack-settings.ts";
import { stackSettingsConfig } from "./stack-settings-file.ts";

const SPEC: SettingsSpec = {
  namespace: { kind: "string", maxLength: 63 },
  replicas: { kind: "integer", min: 0, max: 1000 },
  enabled: { kind: "boolean" },
  runners: { kind: "list", maxItems: 3 },
  codex: { kind: "mapping" },
  githubToken: { kind: "secret" },
};
const GHP = `ghp_${"A1b2C3d4E5".repeat(4)}`;

function read(values: Record<string, string>, secrets: string[] = []) {
  return readSettings(settingsFromValues("gh-runner", values, secrets), SPEC);
}
const at = (r: ReturnType<typeof read>, path: string) => r.issues.find((i) => i.path === path);

describe("stack settings reader", () => {
  it("converts each kind and keeps provider settings of other namespaces", () => {
    const r = read({ "gh-runner:namespace": "ci", "gh-runner:replicas": "3", "gh-runner:enabled": "true", "gh-runner:runners": "[1]", "gh-runner:codex": '{"a":1}', "kubernetes:context": "admin" });
    assert.deepEqual(r.issues, []);
    assert.deepEqual(r.values, { namespace: "ci", replicas: 3, enabled: true, runners: [1], codex: { a: 1 } });
  });
  it("names an unknown key with a did-you-mean, also for another case and an invisible character", () => {
    const r = read({ "gh-runner:namspace": "ci", "gh-runner:Replicas": "1", "gh-runner:enab\u200bled": "true" });
    assert.match(at(r, "namspace")?.fix ?? "", /did you mean namespace\?/);
    assert.match(at(r, "Replicas")?.fix ?? "", /did you mean replicas\?/);
    const invisible = at(r, "enab\\u{200B}led");
    assert.match(invisible?.message ?? "", /invisible character/);
    assert.match(invisible?.fix ?? "", /did you mean enabled\?/);
  });
  it("refuses the project prefix in another case, with a zero-width space, or misspelt, showing the expected one", () => {
    const r = read({ "Gh-Runner:namespace": "ci", "gh\u200b-runner:replicas": "1", "gh-runnr:enabled": "true", "aws:region": "eu-west-1" });
    assert.match(at(r, "Gh-Runner:namespace")?.message ?? "", /another case: the project is "gh-runner"/);
    assert.match(at(r, "Gh-Runner:namespace")?.fix ?? "", /gh-runner:namespace/);
    assert.match(at(r, "gh\\u{200B}-runner:replicas")?.message ?? "", /invisible character/);
    assert.match(at(r, "gh-runnr:enabled")?.fix ?? "", /gh-runner:enabled/);
    assert.equal(at(r, "aws:region"), undefined);
  });
  it("bounds integers and says the range", () => {
    for (const v of ["1e9", "-1", "1.5", "two", "1e999"]) {
      const issue = at(read({ "gh-runner:replicas": v }), "replicas");
      assert.match(issue?.message ?? "", /whole number from 0 to 1000/, v);
      assert.match(issue?.fix ?? "", /from 0 to 1000/);
    }
  });
  it("refuses wrong kinds, over-long text and over-long lists", () => {
    const r = read({ "gh-runner:runners": '{"a":1}', "gh-runner:codex": "text", "gh-runner:namespace": "x".repeat(64), "gh-runner:enabled": "yes" });
    assert.match(at(r, "runners")?.message ?? "", /must be a list, not a mapping/);
    assert.match(at(r, "codex")?.message ?? "", /must be a mapping of settings, not text/);
    assert.match(at(r, "namespace")?.message ?? "", /at most 63/);
    assert.match(at(r, "enabled")?.fix ?? "", /true or false/);
    assert.match(at(read({ "gh-runner:runners": "[1,2,3,4]" }), "runners")?.message ?? "", /4 items; at most 3/);
  });
  it("refuses a secret in plain text and a credential-shaped plain value, never quoting either", () => {
    const r = read({ "gh-runner:githubToken": GHP, "gh-runner:namespace": GHP, "gh-runner:runners": JSON.stringify([{ labels: [GHP] }, { env: [{ value: "https://user:hunter2@example.com/x" }] }]) });
    assert.match(at(r, "githubToken")?.message ?? "", /plain text but must be a secret/);
    assert.match(at(r, "namespace")?.message ?? "", /looks like a secret \(a GitHub token\)/);
    assert.match(at(r, "runners[0].labels[0]")?.fix ?? "", /notSecret/);
    assert.match(at(r, "runners[1].env[0].value")?.message ?? "", /a URL with credentials/);
    const message = new ConfigError(r.issues).message;
    assert.ok(!message.includes(GHP) && !message.includes("hunter2"), message);
  });
  it("refuses a credential-shaped mapping key (label maps and tags are rendered), naming its parent", () => {
    const r = read({ "gh-runner:codex": JSON.stringify({ selector: { [GHP]: "x" } }) });
    assert.match(at(r, "codex.selector")?.message ?? "", /looks like a secret/);
    assert.ok(!new ConfigError(r.issues).message.includes(GHP));
  });
  it("accepts a credential-shaped value whose key path is listed under notSecret, but never a URL with credentials", () => {
    const hex = "0123456789abcdef0123456789abcdef01234567";
    const ok = read({ "gh-runner:codex": JSON.stringify({ commit: hex }), "gh-runner:notSecret": '["codex.commit"]' });
    assert.deepEqual(ok.issues, []);
    const url = read({ "gh-runner:codex": JSON.stringify({ u: "https://x.example/?access_token=abc" }), "gh-runner:notSecret": '["codex.u"]' });
    assert.match(at(url, "codex.u")?.message ?? "", /token parameter/);
  });
  it("takes a secret only as a secret", () => {
    const r = read({ "gh-runner:githubToken": GHP }, ["gh-runner:githubToken"]);
    assert.deepEqual(r.issues, []);
    assert.ok(r.secrets.has("githubToken"));
    assert.equal(r.values["githubToken"], undefined);
  });
});

describe("stack settings file", () => {
  const file = "Pulumi.dev.yaml";
  const bytes = (s: string) => new TextEncoder().encode(s);
  const problem = (input: Uint8Array) => {
    try {
      stackSettingsConfig(input, file, "gh-runner");
    } catch (e) {
      assert.ok(e instanceof ConfigError, String(e));
      return e.issues[0]!;
    }
    assert.fail("accepted");
  };
  it("says precisely what is wrong with the file's shape", () => {
    assert.match(problem(bytes("")).message, /is empty/);
    assert.match(problem(bytes("- a\n- b\n")).message, /a list at the top level/);
    assert.match(problem(bytes("gh-runner:namespace: x\n")).fix, /under a `config:` line/);
    assert.match(problem(bytes("other: 1\n")).message, /no config: mapping/);
    const str = problem(bytes("config: hello\n"));
    assert.equal(str.path, `${file}: config`);
    assert.match(str.message, /a single value, not a mapping/);
    assert.match(problem(bytes("confg:\n  a: 1\nconfig: {}\n")).fix, /did you mean config\?/);
  });
  it("refuses what is not UTF-8 YAML text, naming the encoding", () => {
    assert.match(problem(new Uint8Array([0xff, 0xfe, 0x63, 0])).message, /UTF-16/);
    assert.match(problem(new Uint8Array([0x63, 0, 0x01, 0x02])).message, /binary/);
    assert.match(problem(new Uint8Array([0x63, 0x3a, 0xc3, 0x28])).message, /not UTF-8/);
    assert.match(problem(new Uint8Array(1024 * 1024 + 1).fill(0x20)).message, /at most 1 MiB/);
  });
  it("names the line of a YAML error, a duplicate key and tabs", () => {
    const unclosed = problem(bytes('config:\n  gh-runner:namespace: "ci\n'));
    assert.match(unclosed.path, /^Pulumi\.dev\.yaml:\d+:\d+$/);
    const dup = problem(bytes("config:\n  gh-runner:a: 1\n  gh-runner:a: 2\n"));
    assert.equal(dup.path, "Pulumi.dev.yaml:3:3");
    assert.match(dup.fix, /each key once/);
    assert.match(problem(bytes("config:\n\tgh-runner:a: 1\n")).path, /^Pulumi\.dev\.yaml:2:/);
  });
  it("refuses an alias bomb and deep nesting without a stack overflow", () => {
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]", ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(", ")}]`), "config: {}"].join("\n");
    assert.match(problem(bytes(bomb)).message, /alias bomb/);
    const deep = `config:\n  gh-runner:x: ${"[".repeat(3000)}${"]".repeat(3000)}\n`;
    assert.match(problem(bytes(deep)).message, /more than 32 levels deep/);
  });
});

describe("did-you-mean and redaction", () => {
  it("suggests near misses only", () => {
    assert.equal(didYouMean("githubrepo", ["githubRepo", "githubUrl"]), "githubRepo");
    assert.equal(didYouMean("maxRuners", ["minRunners", "maxRunners"]), "maxRunners");
    assert.equal(didYouMean("colour", ["namespace", "runners"]), undefined);
    assert.equal(visible("a\u200bb"), "a\\u{200B}b");
  });
  it("redacts every credential shape the project knows", () => {
    const samples = [GHP, "github_pat_" + "a".repeat(30), "AKIAABCDEFGHIJKLMNOP", "hvs." + "x".repeat(24), "-----BEGIN OPENSSH PRIVATE KEY-----", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXBhcnQ", "https://bob:pw@example.com", "https://x.example/a?access_token=abc", "0123456789abcdef0123456789abcdef01234567"];
    for (const s of samples) {
      assert.ok(looksLikeCredential(s), s);
      assert.ok(!redactCredentials(`value ${s} here`).includes(s), s);
    }
    assert.ok(!looksLikeCredential("sha256:" + "a".repeat(64)), "a 64-hex digest is not a token");
  });
});

describe("duplicate keys in a large mapping", () => {
  it("are found in one pass, naming the line of the repeat", () => {
    const keys = Array.from({ length: 50_000 }, (_, i) => `t${i}: v`);
    keys.push("t17: again");
    const text = `config:\n  aws-firecracker-runners:tags: {${keys.join(", ")}}\n`;
    try {
      stackSettingsConfig(new TextEncoder().encode(text), "Pulumi.dev.yaml", "aws-firecracker-runners");
      assert.fail("accepted");
    } catch (e) {
      assert.ok(e instanceof ConfigError, String(e));
      assert.match(e.issues[0]!.path, /^Pulumi\.dev\.yaml:2:\d+$/);
      assert.match(e.issues[0]!.message, /repeats an earlier key/);
    }
  });
});
