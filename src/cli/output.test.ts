// Output helpers: tables that fit the terminal, progress only on a terminal.
import { test } from "node:test";
import assert from "node:assert/strict";
import { table, terminalWidth, withProgress, wrapText } from "./output.ts";

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

test("wrapText breaks at spaces, and breaks a word longer than the width", () => {
  assert.deepEqual(wrapText("one two three", 7), ["one two", "three"]);
  assert.deepEqual(wrapText("abcdefghij", 4), ["abcd", "efgh", "ij"]);
});

test("the width is the terminal's, else $COLUMNS, else unlimited", () => {
  assert.equal(terminalWidth({ isTTY: true, columns: 80 }, {}), 80);
  assert.equal(terminalWidth({ isTTY: false }, { COLUMNS: "100" }), 100);
  assert.equal(terminalWidth({ isTTY: false }, {}), Number.POSITIVE_INFINITY);
});

test("progress shows on a terminal after the delay and is erased; nothing when not a terminal or quiet", async () => {
  const slow = () => new Promise<string>((resolve) => setTimeout(() => resolve("done"), 60));
  const tty = { isTTY: true, text: "", write(t: string) { this.text += t; } };
  assert.equal(await withProgress("rendering x", slow, { stream: tty, delayMs: 10 }), "done");
  assert.match(tty.text, /rendering x \d+s/);
  assert.ok(tty.text.endsWith("\r\x1b[2K"), "the line is erased at the end");
  const pipe = { isTTY: false, text: "", write(t: string) { this.text += t; } };
  await withProgress("rendering x", slow, { stream: pipe, delayMs: 10 });
  assert.equal(pipe.text, "");
  const quiet = { isTTY: true, text: "", write(t: string) { this.text += t; } };
  await withProgress("rendering x", slow, { stream: quiet, delayMs: 10, quiet: true });
  assert.equal(quiet.text, "");
  const fast = { isTTY: true, text: "", write(t: string) { this.text += t; } };
  await withProgress("rendering x", () => Promise.resolve(1), { stream: fast, delayMs: 1000 });
  assert.equal(fast.text, "", "work shorter than the delay prints nothing");
});
