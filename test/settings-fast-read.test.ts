// The fast read of settings files (js-yaml) answers only where the full read (the `yaml` package,
// with every limit) gives the same value: on every settings file of the repository, the hostile
// corpus, and seeded text mutations of them. Where the fast read answers nothing, the full read
// decides, and words the problem.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { quickSettingsValue, readSettingsYaml } from "../src/model/stack-settings-file.ts";
import { Dice } from "./fuzz-random.ts";
import { REPO } from "./helpers.ts";

function settingsFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "out" || name === "dist" || name.startsWith(".")) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) settingsFiles(p, out);
    else if (/^Pulumi(\..+)?\.yaml$/.test(name) || (p.includes("hostile-settings") && name.endsWith(".yaml"))) out.push(p);
  }
  return out;
}

const FILES = [...settingsFiles(join(REPO, "infra")), ...settingsFiles(join(REPO, "test"))];

type Outcome = { ok: true; value: unknown } | { ok: false };
function full(text: string): Outcome {
  try {
    return { ok: true, value: readSettingsYaml(text, "f.yaml") };
  } catch {
    return { ok: false };
  }
}

function agree(text: string, what: string): boolean {
  const quick = quickSettingsValue(text);
  if (quick === undefined) return false;
  const f = full(text);
  if (!f.ok && process.env["FAST_READ_SHOW"] !== undefined) {
    try {
      readSettingsYaml(text, "f.yaml");
    } catch (e) {
      console.log(what, String(e).slice(0, 300));
    }
  }
  assert.ok(f.ok, `${what}: the fast read answered where the full read refuses the file`);
  assert.deepEqual(quick.value, f.value, `${what}: the fast and the full read give different values`);
  return true;
}

/** Characters that change what YAML means, and some that do not. */
const MEANINGFUL = [":", "-", " ", "  ", "\t", "\n", '"', "'", "&a ", "*a", "!", "!!str ", "#", "|", ">", "{", "}", "[", "]", ",", "?", "%", "@", "`", "0x1F", "0o17", "1e3", ".inf", "~", "null", "yes", "on", "1_000", "0b101", "+1", "2024-01-02", "<<: ", "\\", "\u00a0", "\ufeff", "---\n", "...\n"];

function mutate(text: string, dice: Dice): string {
  let t = text;
  const edits = dice.int(1, 4);
  for (let i = 0; i < edits; i++) {
    const at = dice.below(t.length + 1);
    const token = MEANINGFUL[dice.below(MEANINGFUL.length)]!;
    switch (dice.below(4)) {
      case 0: t = t.slice(0, at) + token + t.slice(at); break;
      case 1: t = t.slice(0, at) + t.slice(at + dice.int(1, 8)); break;
      case 2: t = t.slice(0, at) + token + t.slice(at + 1); break;
      default: {
        const lines = t.split("\n");
        const j = dice.below(lines.length);
        lines.splice(j, 0, lines[dice.below(lines.length)] ?? "");
        t = lines.join("\n");
      }
    }
  }
  return t;
}

describe("settings files: the fast read answers only with the full read's value", () => {
  it("on every settings file of the repository and of the hostile corpus", () => {
    assert.ok(FILES.length > 300, `${FILES.length} files`);
    let answered = 0;
    for (const f of FILES) if (agree(readFileSync(f, "utf8"), relative(REPO, f))) answered++;
    // The example stacks' files are all plain YAML: the fast read takes them.
    for (const f of FILES.filter((x) => x.includes(`${join(REPO, "infra")}`))) assert.ok(quickSettingsValue(readFileSync(f, "utf8")) !== undefined, relative(REPO, f));
    assert.ok(answered > 0);
  });

  it("on seeded mutations of them (FUZZ_SEED, FUZZ_CASES)", (t) => {
    const seed = Number(process.env["FUZZ_SEED"] ?? 20261202);
    const cases = Number(process.env["FUZZ_CASES"] ?? 3000);
    const dice = new Dice(seed);
    const texts = FILES.map((f) => readFileSync(f, "utf8")).filter((x) => x.length < 64 * 1024);
    let answered = 0;
    for (let i = 0; i < cases; i++) {
      const base = texts[dice.below(texts.length)]!;
      const text = mutate(base, dice);
      if (agree(text, `case ${i} (FUZZ_SEED=${seed})`)) answered++;
    }
    t.diagnostic(`${cases} mutations, seed ${seed}: the fast read answered ${answered}, the full read decided the rest`);
    assert.ok(answered > cases / 10, "the fast read takes most plain files");
  });
});
