import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  assign, cmd, fail, forEach, heredoc, ifThen, not, onExit, or, pipe, ref, renderShellScript, shQuote, test as bracket, withIo,
} from "./shell.ts";
import { execLine, renderSystemdUnit, systemdQuote } from "./systemd.ts";
import { needs, requireTool } from "../../../test/validators.ts";

/** Runs a shell text with /bin/sh and returns its stdout. */
const runSh = (text: string, args: string[] = []): string => execFileSync("/bin/sh", ["-c", text, "sh", ...args], { encoding: "utf8" });

test("shQuote keeps every value literal when the shell reads it back", () => {
  const nasty = ["plain", "with space", "it's", "$(touch /tmp/pwned)", "`id`", "a;b|c&d", "*", "~root", "", "line\nbreak", "\"dq\"", "back\\slash"];
  for (const v of nasty) {
    assert.equal(runSh(`printf '%s' ${shQuote(v)}`), v, `round trip of ${JSON.stringify(v)}`);
  }
  assert.equal(shQuote("/var/lib/libvirt/images"), "/var/lib/libvirt/images");
});

test("concatenated words quote literals and reference variables", () => {
  const script = renderShellScript({
    description: "demo",
    body: [assign("x", "a b"), cmd("printf", "%s|", [ref("x"), ".part"], ["it's ", ref("x")])],
  });
  assert.equal(runSh(script), "a b.part|it's a b|");
});

test("scripts are shellcheck-clean and fail hard with a message", needs("shellcheck"), () => {
  requireTool("shellcheck");
  const script = renderShellScript({
    description: "demo of every node kind",
    body: [
      assign("f", "/tmp/x y"),
      onExit(cmd("rm", "-f", ref("f"))),
      ifThen(not(pipe(cmd("printf", "%s\\n", "a"), cmd("grep", "-q", "b"))), fail(["no b in ", ref("f")])),
    ],
  });
  const dir = mkdtempSync(join(tmpdir(), "shell-"));
  writeFileSync(join(dir, "s.sh"), script);
  execFileSync("shellcheck", ["--shell=sh", join(dir, "s.sh")]);
  assert.throws(() => execFileSync("/bin/sh", [join(dir, "s.sh")], { stdio: "pipe" }), (e: { status?: number; stderr?: Buffer }) => e.status === 1 && /runner-fleet: no b in \/tmp\/x y/.test(String(e.stderr)));
});

test("or/and groups and redirections render as sh reads them", () => {
  const script = renderShellScript({ description: "d", body: [or(withIo(cmd("false"), { quiet: true }), withIo(cmd("echo", "fallback"), { toStderr: true })), withIo(cmd("echo", "x"), { stdout: "/dev/null" }), cmd("echo", "ok")] });
  assert.equal(runSh(script).trim(), "ok");
  assert.match(script, /^false >\/dev\/null 2>&1 \|\| echo fallback >&2$/m);
  assert.ok(bracket("-f", "x").words.includes("-f"));
});

test("a here-document is written byte for byte and cannot be closed early by its content", () => {
  const content = "$HOME `id` 'q' \\n\n";
  const dir = mkdtempSync(join(tmpdir(), "shell-"));
  const out = join(dir, "out");
  runSh(renderShellScript({ description: "d", body: [heredoc(withIo(cmd("cat"), { stdout: out }), content)] }));
  assert.equal(execFileSync("cat", [out], { encoding: "utf8" }), content);
  assert.throws(() => renderShellScript({ description: "d", body: [heredoc(cmd("cat"), "a\nRUNNER_FLEET_EOF\nrm -rf /\n")] }), /delimiter/);
});

test("systemd Exec lines escape specifiers, variables and quotes", () => {
  assert.equal(systemdQuote("50%"), '"50%%"');
  assert.equal(systemdQuote("$HOME"), '"$$HOME"');
  assert.equal(systemdQuote('say "hi"'), '"say \\"hi\\""');
  assert.equal(execLine(["/usr/bin/env", "a b"]), '/usr/bin/env "a b"');
  assert.throws(() => execLine(["relative"]), /absolute/);
  assert.throws(() => renderSystemdUnit({ fileName: "x.service", comment: "c", sections: [{ name: "Service", entries: [["ExecStart", "/bin/true\nExecStartPost=/bin/evil"]] }] }), /spans lines/);
});

test("a for loop takes each item as one literal word, whatever it holds", () => {
  const script = renderShellScript({ description: "loop", body: [forEach("item", ["a b", "$HOME", "it's"], [cmd("printf", "[%s]\\n", ref("item"))])] });
  assert.match(script, /^for item in 'a b' '\$HOME' 'it'\\''s'; do$/m);
  const f = join(mkdtempSync(join(tmpdir(), "loop-")), "loop.sh");
  writeFileSync(f, script);
  assert.equal(execFileSync("/bin/sh", [f], { encoding: "utf8" }), "[a b]\n[$HOME]\n[it's]\n");
  assert.throws(() => renderShellScript({ description: "bad", body: [forEach("not a name", [], [])] }), /not a shell variable name/);
});
