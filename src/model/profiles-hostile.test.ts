import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ConfigError } from "./issues.ts";
import { parseProfiles } from "./profiles.ts";

const repoRoot = resolve(import.meta.dirname, "../..");

// Hostile input: every bad profiles file is one ConfigError that names the file and the line or key
// path and says how to fix it; nothing credential-shaped is quoted back, nothing crashes or stalls.

/** The one-message error of a bad file, checked for the file, a line or key path, and a fix. */
function refusal(input: string | Uint8Array, file = "bad.yaml") {
  let error: unknown;
  try {
    parseProfiles(input, file);
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
  assert.match(error.message, new RegExp(`^runner profiles \\(${file.replace(/\./g, "\\.")}\\) has \\d+ problems?(; the first \\d+ are listed)?:\\n`));
  for (const i of error.issues) {
    assert.ok(/^bad\.yaml(:\d+)?/.test(i.path) || /\(bad\.yaml:\d+\)$/.test(i.message) || /^profiles/.test(i.path), `no line or key path: ${JSON.stringify(i)}`);
    assert.ok(i.fix.length > 15, `no fix: ${JSON.stringify(i)}`);
  }
  return { message: error.message, issues: error.issues };
}

const validText = readFileSync(resolve(repoRoot, "test/fixtures/guard/profiles.yaml"), "utf8");

test("an alias bomb is refused at the line of its first alias, not expanded", () => {
  const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...[..."bcdefg"].map((c, i) => `${c}: &${c} [${Array(9).fill(`*${"abcdefg"[i]}`).join(",")}]`), "profiles: [*g]", ""].join("\n");
  const started = Date.now();
  const { issues } = refusal(bomb);
  assert.ok(Date.now() - started < 2000);
  assert.equal(issues.length, 1);
  assert.equal(issues[0]!.path, "bad.yaml:2:8");
  assert.match(issues[0]!.message, /expand to more copies .* "alias bomb"/);
  assert.match(issues[0]!.fix, /write the values out/);
});

test("an alias inside the value it names, and an alias with no anchor, are refused", () => {
  assert.match(refusal("profiles: &p [*p]\n").issues[0]!.message, /alias \*p \(line 1\) inside the value anchored &p/);
  assert.match(refusal("profiles: [*nowhere]\n").issues[0]!.message, /alias \*nowhere \(line 1\) that refers to no anchor/);
  assert.match(refusal(`profiles:\n${Array.from({ length: 150 }, () => "  - *x").join("\n")}\nx: &x 1\n`).issues[0]!.message, /refers to no anchor|more than 100 YAML aliases/);
});

test("nesting thousands of levels deep is refused with its line, in flow and in block style", () => {
  for (const text of [`profiles: ${"[".repeat(3000)}${"]".repeat(3000)}\n`, `profiles: ${'{"a": '.repeat(3500)}1${"}".repeat(3500)}\n`, `profiles:\n  ${"- ".repeat(3000)}x\n`]) {
    const started = Date.now();
    const { issues } = refusal(text);
    assert.ok(Date.now() - started < 3000);
    assert.match(issues[0]!.message, /nests lists and mappings (deeper than 32 levels|too deeply)/);
    assert.match(issues[0]!.fix, /remove the extra nesting/);
  }
  // 40 levels parse, and are still refused: a profiles file needs 4.
  assert.match(refusal(`profiles: ${"[".repeat(40)}${"]".repeat(40)}\n`).issues[0]!.path, /^bad\.yaml:1:\d+$/);
});

test("bytes that are not UTF-8 YAML text are refused for what they are", () => {
  const cases: [Uint8Array, RegExp, RegExp][] = [
    [Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(validText, "utf16le")]), /is UTF-16 text/, /iconv -f UTF-16 -t UTF-8 bad\.yaml > bad\.yaml\.new && mv bad\.yaml\.new bad\.yaml/],
    [Buffer.from(validText, "utf16le"), /looks like UTF-16 text/, /iconv -f UTF-16/],
    [Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), Buffer.from("p\0\0\0")]), /is UTF-32 text/, /iconv -f UTF-32/],
    [Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0]), /is not text: it holds a NUL byte \(line 1\)/, /pass the runner profiles file/],
    [Buffer.concat([Buffer.from("profiles:\n  - name: caf"), Buffer.from([0xe9]), Buffer.from("\n")]), /is not valid UTF-8 \(line 2/, /save it as UTF-8/],
  ];
  for (const [bytes, message, fix] of cases) {
    const { issues } = refusal(bytes);
    assert.equal(issues.length, 1);
    assert.match(issues[0]!.message, message);
    assert.match(issues[0]!.fix, fix);
  }
  // A UTF-8 byte-order mark is fine.
  assert.equal(parseProfiles(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(validText)]), "ok.yaml").length, 4);
});

test("an empty file, comments only, and a list or a scalar at the top are each one clear problem", () => {
  for (const text of ["", "# nothing yet\n", "\n\n"]) assert.match(refusal(text).issues[0]!.message, /is empty: it holds no YAML value/);
  const list = refusal("- name: pool\n  labels: [x]\n").issues[0]!;
  assert.equal(list.path, "bad.yaml:1");
  assert.match(list.message, /is a list at the top, not a mapping/);
  assert.match(list.fix, /put the list under a top-level profiles: key/);
  assert.match(refusal("just text\n").issues[0]!.message, /is a string at the top/);
  assert.match(refusal("42\n").issues[0]!.message, /is a number at the top/);
  assert.match(refusal("a: 1\n---\nb: 2\n").issues[0]!.message, /is not valid YAML \(MULTIPLE_DOCS/);
});

test("a file over 1 MiB is refused before it is parsed", () => {
  const { issues } = refusal(`${validText}# ${"x".repeat(1 << 20)}\n`);
  assert.equal(issues[0]!.path, "bad.yaml");
  assert.match(issues[0]!.message, /is \d+ bytes, more than a profiles file may be \(1048576 bytes\)/);
});

test("a duplicate key is refused at its line", () => {
  const { issues } = refusal(validText.replace("    trust: trusted\n", "    trust: trusted\n    trust: untrusted\n"));
  assert.match(issues[0]!.path, /^bad\.yaml:\d+:\d+$/);
  assert.match(issues[0]!.message, /repeats a key of the same mapping/);
  assert.match(issues[0]!.fix, /keep the key once/);
});

test("a credential-shaped value is refused at its key path as a secret, and never quoted", () => {
  const tokens = ["ghp_0123456789abcdefghijABCDEFGHIJ012345", "glpat-abcdefghij0123456789", "AKIAABCDEFGHIJKLMNOP", "0123456789abcdef0123456789abcdef01234567", "hvs.CAESIabcdefghijklmnopqrstu"];
  for (const token of tokens) {
    for (const [key, text] of [
      ["labels[1]", validText.replace("labels: [self-hosted, linux, x64, codex]", `labels: [self-hosted, ${token}, x64, codex]`)],
      ...(/^[0-9a-f]{40}$/.test(token) ? [["name", validText.replace("name: gh-runner-codex", `name: ${token}`)] as const] : []),
      ["description", validText.replace("name: gh-runner-codex", `name: gh-runner-codex\n    description: uses ${token} to register`)],
      ["runnerGroup", validText.replace("name: gh-runner-codex", `name: gh-runner-codex\n    runnerGroup: ${token}`)],
    ] as const) {
      const { message, issues } = refusal(text);
      assert.ok(!message.includes(token.slice(4, 20)), `${key}: the token is quoted: ${message}`);
      const issue = issues.find((i) => i.path === `profiles[0].${key}`);
      assert.ok(issue, `${key} ${token}: ${JSON.stringify(issues)}`);
      assert.match(issue.message, /looks like a secret \(a[n]? [^)]+\), so it is not shown here/);
      assert.match(issue.fix, /revoke it/);
    }
  }
  // As an unknown key, and inside a YAML error message, it is redacted.
  const asKey = refusal(validText.replace("    trust: trusted\n", "    trust: trusted\n    ghp_0123456789abcdefghijABCDEFGHIJ012345: x\n"));
  assert.ok(!asKey.message.includes("0123456789abcdefghij"));
  assert.match(asKey.message, /profiles\[0\]\["\[credential-shaped value\]"\]: is not a known key/);
  const asUrlKey = refusal(validText.replace("    trust: trusted\n", "    trust: trusted\n    https://deploy:s3cr3tPassw0rdValue@git.example.com/r.git: x\n"));
  assert.ok(!asUrlKey.message.includes("s3cr3tPassw0rdValue"), asUrlKey.message);
  assert.match(asUrlKey.message, /profiles\[0\]\["\[credential-shaped value\]git\.example\.com\/r\.git"\]: is not a known key/);
  const asTag = refusal("profiles: !ghp_0123456789abcdefghijABCDEFGHIJ012345 [\n");
  assert.ok(!asTag.message.includes("0123456789abcdefghij"), asTag.message);
});

test("control characters in labels are refused, and messages escape them", () => {
  const { message, issues } = refusal(validText.replace("codex]", '"co\\e[31mdex"]'));
  assert.match(issues[0]!.message, /contains a comma, whitespace or a control character/);
  assert.ok(!message.includes("\u001b"), "no terminal escape sequence reaches the terminal");
  assert.match(message, /co\\u001b\[31mdex/);
});
