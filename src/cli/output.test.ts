// Output helpers: tables that fit the terminal, progress only on a terminal.
import { test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, mkdtempSync, openSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CliError, rowLimit, table, terminalWidth, withProgress, wrapText, writeTable } from "./output.ts";

test("a table without a width keeps one line per row", () => {
  const out = table(["A", "LONG"], [["x", "a ".repeat(60).trim()]], Number.POSITIVE_INFINITY);
  assert.equal(out.split("\n").length, 4);
});

test("with a width, every line fits: long cells wrap inside their column, short columns keep their width", () => {
  const rows = [["pass", "Deployment/runner", "a long explanation of what failed and how to fix it, ".repeat(4).trim()]];
  const out = table(["RESULT", "OBJECT", "DETAIL"], rows, 80);
  for (const line of out.trimEnd().split("\n")) assert.ok(line.length <= 80, `${line.length}: ${line}`);
  assert.match(out, /^RESULT {2}OBJECT\s+DETAIL$/m);
  assert.match(out, /^pass {4}Deployment\/runner {2}a long/m, "short cells stay whole");
  assert.ok(out.split("\n").length > 4, "the detail wrapped");
  const words = (s: string) => s.replace(/\s+/g, " ").trim();
  assert.ok(words(out).includes(words(rows[0]![2]!).slice(0, 40)), "no text is lost");
});

test("too narrow for columns, each row becomes a block of HEADER: value lines that fit", () => {
  const rows = [["metadata-unreachable", "my-reforge-ai/Deployment/codex-gh-runner", "169.254.169.254:80/TCP", "unreachable", "reachable", "FAIL", "no NetworkPolicy isolates it for Egress"]];
  const out = table(["CLAIM", "POD", "TARGET", "EXPECTED", "ACTUAL", "RESULT", "RESPONSIBLE"], rows, 60);
  assert.match(out, /^CLAIM:\s+metadata-unreachable$/m);
  assert.match(out, /^POD:\s+my-reforge-ai\/Deployment\/codex-gh-runner$/m);
  assert.match(out, /^RESULT:\s+FAIL$/m);
  for (const line of out.trimEnd().split("\n")) assert.ok(line.length <= 60, line);
});

test("wrapText breaks at spaces, and breaks a word longer than the width", () => {
  assert.deepEqual(wrapText("one two three", 7), ["one two", "three"]);
  assert.deepEqual(wrapText("abcdefghij", 4), ["abcd", "efgh", "ij"]);
});

test("the width is the terminal's, else $COLUMNS, else unlimited", () => {
  assert.equal(terminalWidth({ isTTY: true, columns: 80 }, {}), 80);
  assert.equal(terminalWidth({ isTTY: false }, { COLUMNS: "100" }), 100);
  assert.equal(terminalWidth({ isTTY: false }, {}), Number.POSITIVE_INFINITY);
});

test("progress shows on a terminal after the delay, even while the work blocks this thread, and is erased; nothing when not a terminal or quiet", async () => {
  const dir = mkdtempSync(join(tmpdir(), "progress-"));
  const drawn = (name: string) => readFileSync(join(dir, name), "utf8");
  const busy = () => {
    const until = Date.now() + 700;
    while (Date.now() < until) {
      // keeps the event loop from running, as loading the Pulumi SDK does
    }
    return Promise.resolve("done");
  };
  const fd = openSync(join(dir, "tty"), "w");
  assert.equal(await withProgress("rendering x", busy, { target: { isTTY: true, fd }, delayMs: 50 }), "done");
  closeSync(fd);
  assert.match(drawn("tty"), /rendering x \d+s/);
  assert.ok(drawn("tty").endsWith("\r\x1b[2K"), "the line is erased at the end");
  for (const [name, target, quiet] of [["pipe", { isTTY: false }, false], ["quiet", { isTTY: true }, true]] as const) {
    const other = openSync(join(dir, name), "w");
    await withProgress("rendering x", busy, { target: { ...target, fd: other }, delayMs: 50, quiet });
    closeSync(other);
    assert.equal(drawn(name), "", name);
  }
  const fast = openSync(join(dir, "fast"), "w");
  await withProgress("rendering x", () => Promise.resolve(1), { target: { isTTY: true, fd: fast }, delayMs: 1000 });
  closeSync(fast);
  assert.equal(drawn("fast"), "", "work shorter than the delay prints nothing");
});

test("a table of 300,000 rows is printed without overflowing the stack; on a terminal, the first 50 and a count of the rest", () => {
  const rows = Array.from({ length: 300_000 }, (_, i) => ["changed", "file", `cache/dir-${i % 977}/file-${i}.bin`, i % 1000 === 0 ? "size 1 -> 2, sha256 0123abcd -> 4567ef01" : ""]);
  const all = table(["STATUS", "KIND", "PATH", "DETAIL"], rows, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY);
  assert.equal(all.trimEnd().split("\n").length, 300_002);
  assert.match(all, new RegExp(`^changed {2}file {2}cache/dir-${299_999 % 977}/file-299999\\.bin$`, "m"));
  const wrapped = table(["STATUS", "KIND", "PATH", "DETAIL"], rows, 60, Number.POSITIVE_INFINITY);
  assert.ok(wrapped.split("\n").length >= 300_002);
  const shown = table(["STATUS", "KIND", "PATH", "DETAIL"], rows, 120, 50);
  assert.equal(shown.trimEnd().split("\n").length, 2 + 50 + 1);
  assert.match(shown, /\n… and 299,950 more rows \(300,000 in all\): use --json for all of them\n$/);
});

test("writeTable hands the same table over in chunks; the row limit is 50 on a terminal, none otherwise", () => {
  const rows = Array.from({ length: 5000 }, (_, i) => [`row ${i}`, "x".repeat(i % 7)]);
  const chunks: string[] = [];
  writeTable((t) => chunks.push(t), ["A", "B"], { length: rows.length, row: (i) => rows[i]! }, 80, Number.POSITIVE_INFINITY);
  assert.ok(chunks.length > 1, "written in chunks");
  assert.equal(chunks.join(""), table(["A", "B"], rows, 80, Number.POSITIVE_INFINITY));
  assert.equal(rowLimit({ isTTY: true }), 50);
  assert.equal(rowLimit({ isTTY: false }), Number.POSITIVE_INFINITY);
});

test("a CliError never carries a credential-shaped value", () => {
  const e = new CliError("--against ghp_0123456789abcdefghijABCDEFGHIJ012345.yaml: no such file. Fix: pass a file");
  assert.equal(e.message, "--against [credential-shaped value].yaml: no such file. Fix: pass a file");
});
