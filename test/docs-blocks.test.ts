// Every shell block of the user-facing documentation runs as written, so the docs cannot drift from
// the code (docs/architecture.md, "Runnable documentation"):
//
// - a fenced block whose info string is sh, bash, shell or console is a shell block;
// - it runs unless the line right before its opening fence is `<!-- not-runnable: <reason> -->`;
// - `<!-- runnable: cwd=<dir> exit=<n> needs=<validator>,... -->` (every key optional) runs it from
//   <dir> (relative to the repository root, the default), expects its last command to exit <n>
//   (0 by default; every other command must succeed), and gates it on validators of
//   ./validators.ts like the other tests (skipped with the install command, failed with CI=true);
// - in console blocks only `$ ` lines (and their `\` continuations) run; every other non-blank line
//   is expected output, which must appear in the output in that order, whitespace runs compared as
//   one space (`...` lines are skipped).
//
// Each block runs with `bash -euo pipefail`, offline, in a clean environment: PATH (without
// node_modules/.bin, so `runner-fleet` needs `npx` as on a fresh clone), and a HOME and TMPDIR of
// their own, shared by the blocks of one file; no cloud, forge or CI variable.
import { after, before, describe, it, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { REPO } from "./helpers.ts";
import { needs, requireTool, VALIDATOR_NAMES, type ValidatorName } from "./validators.ts";

const SHELL_INFO = new Set(["sh", "bash", "shell", "console"]);
/** How long one block may run (a render of the largest stack takes a few seconds). */
const BLOCK_TIMEOUT_MS = 120_000;

interface DocLine {
  /** 1-based line number in the Markdown file. */
  readonly no: number;
  readonly text: string;
}

interface RunOptions {
  readonly cwd: string;
  readonly exit: number;
  readonly needs: readonly ValidatorName[];
}

type Mark = { readonly kind: "runnable"; readonly options: RunOptions } | { readonly kind: "not-runnable"; readonly reason: string };

interface ShellBlock {
  /** The Markdown file, relative to the repository root. */
  readonly file: string;
  /** The line of the opening fence. */
  readonly line: number;
  readonly info: string;
  readonly body: readonly DocLine[];
  readonly mark: Mark;
  /** What is wrong with the block's mark (the block is not run then). */
  readonly problems: readonly string[];
}

/** README.md, docs/*.md, examples/README.md, each infra/pulumi/<stack>/README.md, infra/packer/README.md and deploy/<name>/README.md. */
function docFiles(): string[] {
  const markdownIn = (dir: string) => readdirSync(join(REPO, dir)).filter((f) => f.endsWith(".md")).sort().map((f) => `${dir}/${f}`);
  const stackReadmes = readdirSync(join(REPO, "infra/pulumi"), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => `infra/pulumi/${d.name}/README.md`)
    .filter((f) => existsSync(join(REPO, f)))
    .sort();
  const deployReadmes = readdirSync(join(REPO, "deploy"), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => `deploy/${d.name}/README.md`)
    .filter((f) => existsSync(join(REPO, f)))
    .sort();
  return ["README.md", ...markdownIn("docs"), "examples/README.md", ...stackReadmes, "infra/packer/README.md", ...deployReadmes];
}

const NOT_RUNNABLE = /^<!--\s*not-runnable:(.*?)-->$/;
const RUNNABLE = /^<!--\s*runnable(?::(.*?))?\s*-->$/;
/** A line that is (meant as) a mark: an HTML comment starting with runnable or not-runnable. */
const ANY_MARK = /^\s*<!--\s*(?:not-?\s*)?runn?able/i;

/** The options of a `<!-- runnable: ... -->` mark, and what is wrong with them. */
function runOptions(spec: string): { options: RunOptions; problems: string[] } {
  const problems: string[] = [];
  let cwd = ".";
  let exit = 0;
  let tools: ValidatorName[] = [];
  const seen = new Set<string>();
  for (const word of spec.trim().split(/\s+/).filter(Boolean)) {
    const eq = word.indexOf("=");
    const key = eq < 0 ? word : word.slice(0, eq);
    const value = eq < 0 ? "" : word.slice(eq + 1);
    if (seen.has(key)) problems.push(`"${key}" is given twice`);
    seen.add(key);
    if (key === "cwd") {
      const dir = resolve(REPO, value);
      const inside = relative(REPO, dir);
      if (value === "" || isAbsolute(value) || inside.startsWith("..")) problems.push(`cwd=${value}: give a directory relative to the repository root, inside it`);
      else if (!existsSync(dir) || !statSync(dir).isDirectory()) problems.push(`cwd=${value}: no such directory`);
      else cwd = inside === "" ? "." : inside;
    } else if (key === "exit") {
      if (!/^\d{1,3}$/.test(value) || Number(value) > 255) problems.push(`exit=${value}: give the exit status (0-255) the block's last command is expected to end with`);
      else exit = Number(value);
    } else if (key === "needs") {
      const names = value.split(",").filter(Boolean);
      const unknown = names.filter((n) => !(VALIDATOR_NAMES as readonly string[]).includes(n));
      if (names.length === 0 || unknown.length > 0) problems.push(`needs=${value}: name validators of test/validators.ts (${VALIDATOR_NAMES.join(", ")})`);
      else tools = names as ValidatorName[];
    } else {
      problems.push(`unknown option "${word}": use cwd=<dir>, exit=<n> and needs=<validator>,...`);
    }
  }
  return { options: { cwd, exit, needs: tools }, problems };
}

/** Every shell block of one Markdown file, and every mark that does not sit right before one. */
function parseDoc(file: string): { blocks: ShellBlock[]; strayMarks: string[] } {
  const lines = readFileSync(join(REPO, file), "utf8").split("\n");
  const blocks: ShellBlock[] = [];
  const markLines = new Set<number>();
  const usedMarks = new Set<number>();
  lines.forEach((l, i) => {
    if (ANY_MARK.test(l)) markLines.add(i);
  });
  for (let i = 0; i < lines.length; i++) {
    const open = /^( *)(`{3,}|~{3,})(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const fence = open[2]!;
    const info = (open[3]!.trim().split(/\s+/)[0] ?? "").toLowerCase();
    const body: DocLine[] = [];
    let j = i + 1;
    const closing = new RegExp(`^ *${fence[0] === "`" ? "`" : "~"}{${fence.length},}\\s*$`);
    for (; j < lines.length && !closing.test(lines[j]!); j++) {
      const text = lines[j]!;
      const strip = Math.min(indent, text.length - text.trimStart().length);
      body.push({ no: j + 1, text: text.slice(strip) });
    }
    if (SHELL_INFO.has(info)) {
      const problems: string[] = [];
      if (j >= lines.length) problems.push("the block has no closing fence");
      const previous = i > 0 ? lines[i - 1]!.trim() : "";
      let mark: Mark = { kind: "runnable", options: { cwd: ".", exit: 0, needs: [] } };
      const notRunnable = NOT_RUNNABLE.exec(previous);
      const runnable = RUNNABLE.exec(previous);
      if (ANY_MARK.test(previous)) usedMarks.add(i - 1);
      if (notRunnable) {
        const reason = notRunnable[1]!.trim();
        if (reason === "") problems.push("<!-- not-runnable: --> needs a reason: what the block needs that the test cannot give (a cluster, an AWS account, root, ...)");
        mark = { kind: "not-runnable", reason };
      } else if (runnable) {
        const parsed = runOptions(runnable[1] ?? "");
        problems.push(...parsed.problems);
        mark = { kind: "runnable", options: parsed.options };
      } else if (ANY_MARK.test(previous)) {
        problems.push(`malformed mark ${previous}: write <!-- not-runnable: <reason> --> or <!-- runnable: cwd=<dir> exit=<n> needs=<validator>,... -->`);
      }
      if (info === "console" && mark.kind === "runnable" && !body.some((l) => l.text.startsWith("$ "))) {
        problems.push('a console block runs only its "$ " lines, and this one has none: start the commands with "$ ", or use ```sh');
      }
      blocks.push({ file, line: i + 1, info, body, mark, problems });
    }
    i = j;
  }
  const strayMarks = [...markLines].filter((m) => !usedMarks.has(m)).map((m) => `${file}:${m + 1}: ${lines[m]!.trim()} is not on the line right before the opening fence of a sh, bash, shell or console block`);
  return { blocks, strayMarks };
}

/**
 * A console block split into its commands (`$ ` lines without the prompt, and their `\`
 * continuations) and the output it shows (every other line).
 */
function consoleLines(block: ShellBlock): { commands: DocLine[]; output: DocLine[] } {
  const commands: DocLine[] = [];
  const output: DocLine[] = [];
  let continued = false;
  for (const l of block.body) {
    const isCommand: boolean = continued || l.text.startsWith("$ ");
    if (isCommand) commands.push({ no: l.no, text: continued ? l.text : l.text.slice(2) });
    else output.push(l);
    continued = isCommand && /\\\s*$/.test(l.text);
  }
  return { commands, output };
}

/** The block's commands as a bash script whose line numbers are the Markdown file's, and where its last command starts. */
function script(block: ShellBlock): { text: string; lastCommand: number } {
  const commands = block.info === "console" ? consoleLines(block).commands : [...block.body];
  let lastCommand = block.line;
  if (block.info === "console") {
    lastCommand = [...block.body].reverse().find((l) => l.text.startsWith("$ "))?.no ?? block.line;
  } else {
    const code = commands.filter((l) => l.text.trim() !== "" && !l.text.trim().startsWith("#"));
    let k = code.length - 1;
    while (k > 0 && /(\\|\||&&)\s*$/.test(code[k - 1]!.text)) k--;
    lastCommand = code[k]?.no ?? block.line;
  }
  // Line 1: stderr joins stdout (one output, in order), and a failing command reports its status and
  // line on the original stderr. The block's lines keep their numbers, so bash's messages name them.
  const lines: string[] = [`exec 3>&2 2>&1; trap 'printf "%s %s\\n" "$?" "$LINENO" >&3' ERR`];
  for (const c of commands) {
    while (lines.length < c.no - 1) lines.push("");
    lines.push(c.text);
  }
  return { text: lines.join("\n") + "\n", lastCommand };
}

const normalize = (s: string): string => s.trim().replace(/\s+/g, " ");

/** The first expected line that does not appear in `output` (in order, whitespace runs as one space). */
function missingLine(expected: readonly DocLine[], output: string): DocLine | undefined {
  const actual = output.split("\n").map(normalize);
  let from = 0;
  for (const e of expected) {
    const want = normalize(e.text);
    if (want === "" || want === "..." || want === "…") continue;
    const at = actual.indexOf(want, from);
    if (at < 0) return e;
    from = at + 1;
  }
  return undefined;
}

/** A fresh shell's environment: PATH, HOME, TMPDIR, nothing else but tools' own network switches. */
function cleanEnv(home: string, tmp: string): NodeJS.ProcessEnv {
  const dirs = [dirname(process.execPath), ...(process.env["PATH"] ?? "").split(delimiter)].filter((d) => d !== "" && !/node_modules[\\/]\.bin[\\/]?$/.test(d));
  return {
    PATH: [...new Set(dirs)].join(delimiter),
    HOME: home,
    TMPDIR: tmp,
    // No update checks over the network: npm's notifier, Packer's checkpoint.
    npm_config_update_notifier: "false",
    npm_config_offline: "true",
    CHECKPOINT_DISABLE: "1",
    // `npx runner-fleet` at the repository root installs this package into npm's npx cache (the
    // command is the package's own bin); npm would run its `prepare` script there, a full rebuild of
    // dist/ while other tests read it. `npm ci` has built it already.
    npm_config_ignore_scripts: "true",
  };
}

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** stdout and stderr together, in order. */
  readonly output: string;
  /** "<status> <line>" of the first failing command, reported by the ERR trap. */
  readonly failed?: { readonly status: number; readonly line: number };
  readonly timedOut: boolean;
  readonly ms: number;
}

function runScript(file: string, cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  const started = Date.now();
  return new Promise((done, reject) => {
    const child = spawn("bash", ["-euo", "pipefail", file], { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let output = "";
    let trap = "";
    let timedOut = false;
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    };
    child.stdout.setEncoding("utf8").on("data", (d: string) => (output += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (trap += d));
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, BLOCK_TIMEOUT_MS);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      killGroup(); // anything the block left running in the background
      const m = /^(\d+) (\d+)$/m.exec(trap);
      const failed = m ? { status: Number(m[1]), line: Number(m[2]) } : undefined;
      done({ code, signal, output, ...(failed ? { failed } : {}), timedOut, ms: Date.now() - started });
    });
  });
}

const tail = (text: string, n = 40): string => {
  const lines = text.trimEnd().split("\n");
  return (lines.length > n ? [`... (${lines.length - n} lines before)`, ...lines.slice(-n)] : lines).join("\n");
};

/** Why a run does not meet the block's expectations, or undefined. */
function verdict(block: ShellBlock, run: Run, lastCommand: number): string | undefined {
  if (block.mark.kind !== "runnable") return undefined;
  const expected = block.mark.options.exit;
  const where = run.failed ? `${block.file}:${run.failed.line}` : `${block.file}:${block.line}`;
  if (run.timedOut) return `${block.file}:${block.line}: the block did not finish within ${BLOCK_TIMEOUT_MS / 1000} s`;
  if (run.code === null) return `${block.file}:${block.line}: the block was killed by ${run.signal ?? "a signal"}`;
  if (expected === 0 && run.code !== 0) return `${where}: exited ${run.code}, and the block (${block.file}:${block.line}) must succeed`;
  if (expected !== 0) {
    if (run.code === 0) return `${block.file}:${block.line}: exited 0, and the mark says its last command (line ${lastCommand}) exits ${expected}`;
    if (run.failed !== undefined && run.failed.line < lastCommand) {
      return `${where}: exited ${run.code} before the last command (line ${lastCommand}), the only one the mark lets exit (with ${expected})`;
    }
    if (run.code !== expected || run.failed === undefined) return `${where}: exited ${run.code}, and the mark says the last command (line ${lastCommand}) exits ${expected}`;
  }
  const missing = missingLine(block.info === "console" ? consoleLines(block).output : [], run.output);
  if (missing) return `${block.file}:${missing.no}: this output line is not in what the commands printed: ${missing.text.trim()}`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------

const FILES = docFiles();
const parsed = FILES.map((f) => ({ file: f, ...parseDoc(f) }));
const BLOCKS = parsed.flatMap((p) => p.blocks);
const results = new Map<string, { outcome: "passed" | "failed" | "skipped"; ms: number }>();
const nameOf = (b: ShellBlock) => `${b.file}:${b.line}`;

test("every mark of a shell block is well-formed and sits right before its opening fence", () => {
  const problems = [...BLOCKS.flatMap((b) => b.problems.map((p) => `${nameOf(b)}: ${p}`)), ...parsed.flatMap((p) => p.strayMarks)];
  assert.deepEqual(problems, [], `See docs/architecture.md, "Runnable documentation":\n${problems.join("\n")}`);
  assert.ok(BLOCKS.length > 0, "no shell block found");
});

for (const { file, blocks } of parsed) {
  const runnable = blocks.filter((b) => b.mark.kind === "runnable");
  if (runnable.length === 0) continue;
  describe(file, () => {
    let work = "";
    before(() => {
      work = mkdtempSync(join(tmpdir(), "rf-docs-"));
      for (const d of ["home", "tmp", "scripts"]) mkdirSync(join(work, d));
    });
    after(() => rmSync(work, { recursive: true, force: true }));

    for (const block of runnable) {
      const options = block.mark.kind === "runnable" ? block.mark.options : { cwd: ".", exit: 0, needs: [] };
      const gate = options.needs.length > 0 ? needs(...options.needs) : {};
      if (gate.skip !== undefined) results.set(nameOf(block), { outcome: "skipped", ms: 0 });
      it(nameOf(block), { ...gate, timeout: BLOCK_TIMEOUT_MS + 30_000 }, async () => {
        results.set(nameOf(block), { outcome: "failed", ms: 0 });
        assert.deepEqual(block.problems, [], `${nameOf(block)}: ${block.problems.join("; ")}`);
        if (options.needs.length > 0) requireTool(...options.needs);
        const { text, lastCommand } = script(block);
        const scriptFile = join(work, "scripts", block.file);
        mkdirSync(dirname(scriptFile), { recursive: true });
        writeFileSync(scriptFile, text);
        const run = await runScript(scriptFile, resolve(REPO, options.cwd), cleanEnv(join(work, "home"), join(work, "tmp")));
        const problem = verdict(block, run, lastCommand);
        results.set(nameOf(block), { outcome: problem ? "failed" : "passed", ms: run.ms });
        if (problem) {
          assert.fail(
            `${problem}\n--- output of the block at ${nameOf(block)} (bash -euo pipefail, from ${options.cwd === "." ? "the repository root" : options.cwd}) ---\n${tail(run.output)}\n---\n` +
              `Fix the block (or the code), or, when it cannot run offline, mark it with <!-- not-runnable: <reason> --> on the line before its fence.`,
          );
        }
      });
    }
  });
}

test("report: shell blocks found, run and not runnable", (t) => {
  const notRunnable = BLOCKS.filter((b) => b.mark.kind === "not-runnable");
  const runnable = BLOCKS.filter((b) => b.mark.kind === "runnable");
  const count = (o: string) => runnable.filter((b) => results.get(nameOf(b))?.outcome === o).length;
  const ran = runnable.filter((b) => results.has(nameOf(b)) && results.get(nameOf(b))?.outcome !== "skipped");
  const seconds = ran.reduce((s, b) => s + (results.get(nameOf(b))?.ms ?? 0), 0) / 1000;
  t.diagnostic(`${BLOCKS.length} shell blocks in ${FILES.length} documentation files (${parsed.filter((p) => p.blocks.length > 0).length} with shell blocks): ${runnable.length} runnable, ${notRunnable.length} not runnable`);
  t.diagnostic(`runnable: ${count("passed")} passed, ${count("failed")} failed, ${count("skipped")} skipped (a validator is missing), ${runnable.length - results.size} not run; ${seconds.toFixed(1)} s in blocks`);
  for (const b of runnable.filter((x) => results.get(nameOf(x))?.outcome === "skipped")) {
    t.diagnostic(`  skipped ${nameOf(b)}: needs ${b.mark.kind === "runnable" ? b.mark.options.needs.join(", ") : ""}`);
  }
  t.diagnostic("not runnable:");
  for (const b of notRunnable) t.diagnostic(`  ${nameOf(b)}  ${b.mark.kind === "not-runnable" ? b.mark.reason : ""}`);
  assert.equal(runnable.length + notRunnable.length, BLOCKS.length);
});
