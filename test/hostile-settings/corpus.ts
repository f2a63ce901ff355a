/**
 * The hostile settings corpus: bad `Pulumi.<stack>.yaml` files, each the stack's real settings with
 * one thing made wrong, and a runner that renders each one offline and says how it was refused.
 *
 * Every corpus file starts with two header lines:
 *
 *     # expect: <key path>              the ConfigIssue.path the error must name, e.g. runners[0].replicas
 *     # expect-file: <why>              a file-level problem: no key to name, the error names the file
 *     # why: <what is wrong>
 *
 * An optional third line widens an `expect`: `# or-expect: <key path>` names the other key of a
 * conflict between two keys (an overlap, where either may be the one to change), and
 * `# or-expect-file: <why>` (generated files too big for any settings file) lets a file-level
 * refusal (the file is too large) pass as well.
 *
 * A key path may be written as a JSON string (`# expect: "gh-run\u200bner:githubRepo"`) when it
 * holds characters that are hard to see. UTF-16 files carry the header in UTF-16.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { CREDENTIAL_ANYWHERE } from "../../src/model/credential-shape.ts";
import { renderStack } from "../../src/offline/render-stack.ts";
import { REPO } from "../helpers.ts";
import { generateHostileFiles } from "./generate.ts";
import { PLANTED_SECRETS } from "./planted.ts";

export const CORPUS_DIR = join(REPO, "test/hostile-settings");

/** The four stacks: project directory name, its stack, and where it lives. */
export const STACKS: Readonly<Record<string, { readonly dir: string; readonly stack: string }>> = {
  "gh-runner": { dir: join(REPO, "infra/pulumi/gh-runner"), stack: "dev" },
  "gh-runners-firecracker": { dir: join(REPO, "infra/pulumi/gh-runners-firecracker"), stack: "dev" },
  "foundation-runners": { dir: join(REPO, "infra/pulumi/foundation-runners"), stack: "crunchy" },
  "aws-firecracker-runners": { dir: join(REPO, "infra/pulumi/aws-firecracker-runners"), stack: "dev" },
};

export interface CorpusCase {
  readonly project: string;
  readonly file: string;
  /** The exact key path the error must name. */
  readonly expect?: string;
  /** Why the problem is file-level (no key to name). */
  readonly expectFile?: string;
  /** With `expect`: why a file-level refusal passes too (the file is over any size limit). */
  readonly orFile?: string;
  /** With `expect`: the other key of a conflict between two keys (an overlap), which may be named instead. */
  readonly orExpect?: string;
  readonly why: string;
}

export type Category = "rejected-with-key-path" | "rejected-vague" | "accepted-wrongly" | "crashed";
export const CATEGORIES: readonly Category[] = ["rejected-with-key-path", "rejected-vague", "accepted-wrongly", "crashed"];

export interface Outcome {
  readonly case: CorpusCase;
  readonly category: Category;
  /** What happened, in one line. */
  readonly detail: string;
  /** Credential-shaped values of the file that the error message quotes back. */
  readonly leaks: readonly string[];
  readonly ms: number;
}

/** A case that takes longer than this is a hang, not a refusal. */
export const HANG_MS = 15_000;

/** Decodes a settings file the way a reader would see it: UTF-16 by its byte order mark, else UTF-8. */
export function decodeSettings(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString("utf16le");
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    const swapped = Buffer.from(bytes.subarray(2));
    swapped.swap16();
    return swapped.toString("utf16le");
  }
  return bytes.toString("utf8");
}

/** Reads the header of a corpus file. Throws when the header is missing or malformed. */
export function readCase(project: string, file: string): CorpusCase {
  const head = decodeSettings(readFileSync(file).subarray(0, 4096));
  const [first = "", second = "", third = ""] = head.split(/\r?\n/, 3);
  const why = /^# why: (.+)$/.exec(second)?.[1];
  if (why === undefined) throw new Error(`${file}: the second line must be "# why: <what is wrong>"`);
  const fileLevel = /^# expect-file: (.+)$/.exec(first)?.[1];
  if (fileLevel !== undefined) return { project, file, expectFile: fileLevel, why };
  const raw = /^# expect: (.+)$/.exec(first)?.[1];
  if (raw === undefined) throw new Error(`${file}: the first line must be "# expect: <key path>" or "# expect-file: <why>"`);
  const expect = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw.trim();
  const orFile = /^# or-expect-file: (.+)$/.exec(third)?.[1];
  const orExpect = /^# or-expect: (.+)$/.exec(third)?.[1]?.trim();
  return { project, file, expect, why, ...(orFile === undefined ? {} : { orFile }), ...(orExpect === undefined ? {} : { orExpect }) };
}

/** Every file of the corpus, stack by stack, in file-name order. */
export function listCorpus(): CorpusCase[] {
  return Object.keys(STACKS).flatMap((project) =>
    readdirSync(join(CORPUS_DIR, project))
      .filter((f) => /^\d{3}-[a-z0-9-]+\.yaml$/.test(f))
      .sort()
      .map((f) => readCase(project, join(CORPUS_DIR, project, f))),
  );
}

/** Invisible characters, written the way a message would show them (`\u{200B}`). */
const INVISIBLE = /[\p{Cf}\p{Cc}\u00a0\u2000-\u200a\u202f\u205f\u3000]/gu;
const HAS_INVISIBLE = new RegExp(INVISIBLE.source, "u");
/** `s` with its invisible characters written as `\\u{200B}`. */
export const visible = (s: string) => s.replace(INVISIBLE, (c) => `\\u{${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}}`);

/** A key path of at least this many characters may be cut with "…" in an issue and still name its key. */
const CUT_PATH_MIN = 40;

/**
 * True when the issue path is the expected key path: as written, with its invisible characters
 * made visible (`\u{200B}`), or, for a very long key path, cut after at least 40 characters with "…".
 */
export function pathMatches(actual: string, expected: string): boolean {
  const shown = HAS_INVISIBLE.test(expected) ? visible(expected) : expected;
  if (actual === expected || actual === shown) return true;
  if (!actual.endsWith("…")) return false;
  const kept = actual.slice(0, -1);
  return kept.length >= CUT_PATH_MIN && shown.startsWith(kept);
}

/** A stack frame in text meant for a user: `    at fn (file:///x.ts:1:2)`. */
const STACK_FRAME = /^\s*at .*:\d+:\d+\)?\s*$/m;

const GLOBAL_CREDENTIAL = new RegExp(CREDENTIAL_ANYWHERE.source, "g");

/** Words longer than this are not scanned for credential shapes (the patterns are slow on very long runs). */
const MAX_SCANNED_WORD = 4096;

/**
 * The credential-shaped values of `text`, and every planted fake credential in it. The shapes are
 * looked for in each distinct word (whitespace and quotes separate words) of at most
 * {@link MAX_SCANNED_WORD} characters, so that a 20 MB value or 25 MB of comments cost little:
 * credentials are short.
 */
export function credentialsIn(text: string): string[] {
  const words = new Set(text.split(/[\s"'`]+/));
  const found = [...words]
    .filter((w) => w.length > 0 && w.length <= MAX_SCANNED_WORD)
    .flatMap((w) => [...w.matchAll(GLOBAL_CREDENTIAL)].map((m) => m[0]));
  return [...new Set([...found, ...PLANTED_SECRETS.filter((p) => text.includes(p))])];
}

interface ErrorLike {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly issues?: readonly { readonly path: string; readonly message: string; readonly fix: string }[];
  readonly cause?: unknown;
}

const firstLine = (s: string) => (s.split("\n")[0] ?? "").slice(0, 240);

/** The text of an error a user sees: its message and every issue. */
export function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const issues = (e as ErrorLike).issues ?? [];
  return [e.message, ...issues.map((i) => `${i.path} ${i.message} ${i.fix}`)].join("\n");
}

/** What a render's error was: a refusal (with its issues) or a crash (with why it counts as one). */
export type Judged =
  | { readonly kind: "refused"; readonly name: string; readonly message: string; readonly issues: readonly { readonly path: string; readonly message: string; readonly fix: string }[] }
  | { readonly kind: "crash"; readonly detail: string };

/**
 * A refusal is a ConfigError or InputError whose message holds no stack frame and that does not
 * wrap another exception (the offline render turns any exception of the program into a
 * ConfigError "the stack program failed: ..." with the exception as its cause: that is a crash).
 */
export function judgeError(e: unknown): Judged {
  if (!(e instanceof Error)) return { kind: "crash", detail: `threw a non-error: ${firstLine(String(e))}` };
  const err = e as Error & ErrorLike;
  if (err.name !== "ConfigError" && err.name !== "InputError") return { kind: "crash", detail: `${err.name}: ${firstLine(err.message)}` };
  const cause = err.cause;
  if (cause instanceof Error && cause.name !== "ConfigError" && cause.name !== "InputError") {
    return { kind: "crash", detail: `the program threw ${cause.name}: ${firstLine(cause.message)}` };
  }
  if (STACK_FRAME.test(errorText(err))) return { kind: "crash", detail: `${err.name} with a stack frame in its message` };
  return { kind: "refused", name: err.name, message: err.message, issues: err.issues ?? [] };
}

/** True when the error (message and issues) is about `file` itself: it names the file, and every issue is at the file (or the root). */
export function aboutFile(j: Extract<Judged, { kind: "refused" }>, file: string): boolean {
  const names = (s: string) => s.includes(file) || s.includes(basename(file));
  return j.issues.length === 0 ? names(j.message) : names(j.message) && j.issues.every((i) => i.path === "" || names(i.path));
}

/** Issue paths for a message: the first few, long ones cut. */
export function shownPaths(j: Extract<Judged, { kind: "refused" }>): string {
  const paths = j.issues.map((i) => i.path);
  if (paths.length === 0) return firstLine(j.message);
  return `issues at ${paths.slice(0, 6).map((p) => (p.length > 80 ? `${p.slice(0, 80)}…` : p) || "(root)").join(", ")}${paths.length > 6 ? ` (+${paths.length - 6})` : ""}`;
}

/**
 * Classifies what rendering a hostile file did. `expect` cases pass when an issue names exactly
 * the expected key path; `expect-file` cases pass when the error names the file and claims no key
 * path for the problem (every issue is about the file itself).
 */
export function classify(c: CorpusCase, result: { ok: true; resources: number } | { ok: false; error: unknown }, ms: number): Omit<Outcome, "case" | "leaks" | "ms"> {
  if (result.ok) return { category: "accepted-wrongly", detail: `rendered ${result.resources} resources` };
  if (ms > HANG_MS) return { category: "crashed", detail: `took ${(ms / 1000).toFixed(1)} s (a hang)` };
  const j = judgeError(result.error);
  if (j.kind === "crash") return { category: "crashed", detail: j.detail };
  const onFile = aboutFile(j, c.file);
  if (c.expect !== undefined) {
    const wanted = [c.expect, ...(c.orExpect === undefined ? [] : [c.orExpect])];
    const hit = wanted.find((w) => j.issues.some((i) => pathMatches(i.path, w)));
    if (hit !== undefined) return { category: "rejected-with-key-path", detail: `${j.name} at ${hit}` };
    if (c.orFile !== undefined && onFile) return { category: "rejected-with-key-path", detail: `${j.name} naming the file` };
    return { category: "rejected-vague", detail: `${j.name} without ${c.expect}: ${shownPaths(j)}` };
  }
  return onFile ? { category: "rejected-with-key-path", detail: `${j.name} naming the file` } : { category: "rejected-vague", detail: `${j.name} not about the file itself: ${shownPaths(j)}` };
}

/** Renders one hostile file and classifies the outcome. */
export async function runCase(c: CorpusCase): Promise<Outcome> {
  const stack = STACKS[c.project];
  if (stack === undefined) throw new Error(`unknown project ${c.project}`);
  const secrets = credentialsIn(decodeSettings(readFileSync(c.file)));
  const started = performance.now();
  let result: { ok: true; resources: number } | { ok: false; error: unknown };
  try {
    const rendered = await renderStack(stack.dir, { stack: stack.stack, configFile: c.file });
    result = { ok: true, resources: rendered.resources.length };
  } catch (e) {
    result = { ok: false, error: e };
  }
  const ms = performance.now() - started;
  const text = result.ok ? "" : errorText(result.error);
  const leaks = secrets.filter((s) => text.includes(s));
  return { case: c, ...classify(c, result, ms), leaks, ms };
}

/** Counts per category, and the leaks. */
export function countOutcomes(outcomes: readonly Outcome[]): Record<Category | "leaking" | "total", number> {
  const counts = Object.fromEntries(CATEGORIES.map((k) => [k, 0])) as Record<Category | "leaking" | "total", number>;
  for (const o of outcomes) counts[o.category]++;
  counts.leaking = outcomes.filter((o) => o.leaks.length > 0).length;
  counts.total = outcomes.length;
  return counts;
}

/** A passing outcome: named the key (or the file), quoted no credential. */
export const passed = (o: Outcome) => o.category === "rejected-with-key-path" && o.leaks.length === 0;

/** The problem an outcome makes the test fail for, or undefined (a vague `expect-file` refusal is listed, not failed). */
export function failure(o: Outcome): string | undefined {
  if (o.leaks.length > 0) return "leaks";
  if (o.category === "accepted-wrongly" || o.category === "crashed") return o.category;
  if (o.category === "rejected-vague" && o.case.expect !== undefined) return o.category;
  return undefined;
}

/** The report: counts per category and stack, then every file that did not pass, grouped by stack. */
export function formatReport(outcomes: readonly Outcome[]): string {
  const lines: string[] = [];
  const projects = Object.keys(STACKS);
  const header = ["stack", ...CATEGORIES, "leaking", "total"];
  const rows = [...projects.map((p) => [p, outcomes.filter((o) => o.case.project === p)] as const), ["all", outcomes] as const].map(([name, os]) => {
    const n = countOutcomes(os);
    return [name, ...CATEGORIES.map((k) => String(n[k])), String(n.leaking), String(n.total)];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const row = (cells: readonly string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
  lines.push(row(header), ...rows.map(row));
  const bad = outcomes.filter((o) => !passed(o));
  if (bad.length > 0) lines.push("", `files that did not pass (${bad.length}):`);
  for (const p of projects) {
    const mine = bad.filter((o) => o.case.project === p);
    if (mine.length === 0) continue;
    lines.push(`  ${p}:`);
    for (const o of mine) {
      const expected = o.case.expect !== undefined ? `expect ${visible(o.case.expect).slice(0, 90)}` : "expect-file";
      const leak = o.leaks.length > 0 ? ` [LEAKS ${o.leaks.length} credential${o.leaks.length === 1 ? "" : "s"}]` : "";
      lines.push(`    ${basename(o.case.file)}  ${expected}  -> ${o.category}: ${visible(o.detail)}${leak}`);
    }
  }
  return lines.join("\n");
}

/** Runs the files of the corpus in this process, one at a time. `onOutcome` sees each outcome as it comes. */
export async function runStaticCorpus(onOutcome?: (o: Outcome) => void): Promise<Outcome[]> {
  // Render as a newcomer does: the libvirt stack then reads no SSH key from outside the repository.
  delete process.env["RUNNER_SSH_KEY_PATH"];
  const outcomes: Outcome[] = [];
  for (const c of listCorpus()) {
    const o = await runCase(c);
    outcomes.push(o);
    onOutcome?.(o);
  }
  return outcomes;
}

/** A generated case gets this long (startup included) before its process is stopped as a hang. */
export const GENERATED_KILL_MS = HANG_MS + 30_000;

/** Runs one case in a process of its own (corpus-worker.ts), stopping it after {@link GENERATED_KILL_MS}. */
export function runCaseInChild(c: CorpusCase): Promise<Outcome> {
  return new Promise((resolvePromise) => {
    const started = performance.now();
    const env = { ...process.env };
    delete env["RUNNER_SSH_KEY_PATH"];
    const child = spawn(process.execPath, [join(CORPUS_DIR, "corpus-worker.ts"), JSON.stringify(c)], { cwd: REPO, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill("SIGKILL");
    }, GENERATED_KILL_MS);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const ms = performance.now() - started;
      const line = stdout.split("\n").find((l) => l.startsWith("@@outcome "));
      if (line !== undefined) {
        const r = JSON.parse(line.slice("@@outcome ".length)) as Pick<Outcome, "category" | "detail" | "leaks" | "ms">;
        resolvePromise({ case: c, ...r });
      } else if (killed) {
        resolvePromise({ case: c, category: "crashed", detail: `no answer within ${GENERATED_KILL_MS / 1000} s (a hang; stopped)`, leaks: [], ms });
      } else {
        resolvePromise({ case: c, category: "crashed", detail: `the render process ended with ${signal ?? `exit code ${String(code)}`}: ${firstLine(stderr.trim())}`, leaks: [], ms });
      }
    });
  });
}

/**
 * Writes the generated files (generate.ts) into a temporary directory and runs each in a process
 * of its own, so that one that hangs is stopped and reported instead of stalling the run.
 */
export async function runGeneratedCorpus(onOutcome?: (o: Outcome) => void): Promise<Outcome[]> {
  const tmp = mkdtempSync(join(tmpdir(), "rf-hostile-"));
  try {
    const generated = generateHostileFiles(tmp).map((g): CorpusCase =>
      g.expectFile !== undefined ? { project: g.project, file: g.file, expectFile: g.expectFile, why: g.why ?? "" } : readCase(g.project, g.file));
    const outcomes: Outcome[] = [];
    for (const c of generated) {
      const o = await runCaseInChild(c);
      outcomes.push(o);
      onOutcome?.(o);
    }
    return outcomes;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The corpus files (in this process), then the generated ones (each in its own process). */
export async function runCorpus(onOutcome?: (o: Outcome) => void): Promise<Outcome[]> {
  return [...(await runStaticCorpus(onOutcome)), ...(await runGeneratedCorpus(onOutcome))];
}

/**
 * The stacks import the built package (dist/), not src/: a note when src/ has files newer than the
 * last build, whose changes the run does not see.
 */
export function staleBuildNote(): string | undefined {
  const stamp = join(REPO, "dist/.tsbuildinfo");
  let built: number;
  try {
    built = statSync(stamp).mtimeMs;
  } catch {
    return "dist/ is not built: run `npm run build` first (the stacks import the built package)";
  }
  const newer = (readdirSync(join(REPO, "src"), { recursive: true }) as string[])
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
    .filter((f) => statSync(join(REPO, "src", f)).mtimeMs > built);
  return newer.length === 0 ? undefined : `dist/ is older than ${newer.length} file${newer.length === 1 ? "" : "s"} of src/ (e.g. src/${newer[0]}): the stacks run the built package, so run \`npm run build\` to measure the current source`;
}
