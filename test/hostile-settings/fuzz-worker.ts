// Runs fuzz cases (fuzz-cases.ts) of one seed and prints one JSON line per case, so that the test
// that starts it can stop it when a case hangs and go on with the next one:
//
//   @@start {"i":7}                       before case 7 renders
//   @@case {"i":7,"outcome":...}          its result
//   @@done                                after the last case
//
// Usage: node test/hostile-settings/fuzz-worker.ts --seed S --from A --to B [--keep DIR]
// (cases A to B-1; --keep writes each case's settings file to DIR, to replay or read it).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { renderStack } from "../../src/offline/render-stack.ts";
import { aboutFile, credentialsIn, decodeSettings, errorText, judgeError, pathMatches, shownPaths, STACKS } from "./corpus.ts";
import { type FuzzCase, fuzzCase } from "./fuzz-cases.ts";

export type FuzzOutcome = "rejected" | "accepted" | "crash";

export interface FuzzResult {
  readonly i: number;
  readonly project: string;
  readonly mutation: string;
  readonly tag: FuzzCase["tag"];
  readonly path: string;
  readonly outcome: FuzzOutcome;
  /** For a refusal: whether an issue names the mutated key (or a key above or below it), or the file where that counts. */
  readonly named: boolean;
  /** Crash reason, or the issue paths of a refusal. */
  readonly detail: string;
  /** Credential-shaped values of the case that the error quotes back. */
  readonly leaks: readonly string[];
  readonly ms: number;
}

/** True when the issue path is the mutated key, a key above it (not the root) or a key below it. */
export function namesKey(issuePath: string, key: string): boolean {
  if (pathMatches(issuePath, key)) return true;
  if (issuePath === "" || key === "") return false;
  const below = (a: string, b: string) => a.startsWith(`${b}.`) || a.startsWith(`${b}[`);
  return below(key, issuePath) || below(issuePath, key);
}

/** Renders one case from its settings file and says what happened. */
export async function runFuzzCase(c: FuzzCase, file: string): Promise<FuzzResult> {
  const stack = STACKS[c.project]!;
  const text = typeof c.content === "string" ? c.content : decodeSettings(c.content);
  const secrets = credentialsIn(text);
  const started = performance.now();
  let outcome: FuzzOutcome = "accepted";
  let named = false;
  let detail = "rendered";
  let leaks: string[] = [];
  try {
    const rendered = await renderStack(stack.dir, { stack: stack.stack, configFile: file });
    detail = `rendered ${rendered.resources.length} resources`;
  } catch (e) {
    const j = judgeError(e);
    if (j.kind === "crash") {
      outcome = "crash";
      detail = j.detail;
    } else {
      outcome = "rejected";
      const wanted = [c.path, ...c.alsoPaths].filter((p) => p !== "");
      named = j.issues.some((i) => wanted.some((w) => namesKey(i.path, w))) || (c.fileOk && aboutFile(j, file));
      detail = shownPaths(j);
    }
    const said = errorText(e);
    leaks = secrets.filter((s) => said.includes(s));
  }
  return { i: c.i, project: c.project, mutation: c.mutation, tag: c.tag, path: c.path, outcome, named, detail, leaks, ms: Math.round(performance.now() - started) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seed: { type: "string" }, from: { type: "string" }, to: { type: "string" }, keep: { type: "string" } } });
  const seed = Number(values.seed ?? "1");
  const from = Number(values.from ?? "0");
  const to = Number(values.to ?? String(from + 1));
  if (![seed, from, to].every(Number.isInteger)) {
    console.error("usage: fuzz-worker.ts --seed S --from A --to B [--keep DIR]");
    process.exit(2);
  }
  // Render as a newcomer does: the libvirt stack then reads no SSH key from outside the repository.
  delete process.env["RUNNER_SSH_KEY_PATH"];
  const keep = values.keep === undefined ? undefined : resolve(values.keep);
  if (keep !== undefined) mkdirSync(keep, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), "rf-fuzz-"));
  try {
    for (let i = from; i < to; i++) {
      const c = fuzzCase(seed, i);
      const stack = STACKS[c.project]!;
      const file = join(tmp, `Pulumi.${stack.stack}.yaml`);
      writeFileSync(file, c.content);
      if (keep !== undefined) writeFileSync(join(keep, `seed${seed}-case${i}-${c.project}.yaml`), c.content);
      console.log(`@@start ${JSON.stringify({ i })}`);
      console.log(`@@case ${JSON.stringify(await runFuzzCase(c, file))}`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  console.log("@@done");
}

if (import.meta.main) {
  await main();
  // Pulumi's runtime may keep handles open after refused renders; every answer is out.
  process.exit(0);
}
