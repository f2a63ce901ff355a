// Seeded fuzzing of the manifest readers: the real manifests of test/fixtures and deploy/, mutated
// (type swaps, deleted keys, huge strings and numbers, deep nesting, alias bombs, recursive aliases,
// binary bytes, UTF-16, duplicate keys, wrong kinds, list <-> map swaps, injected credentials), then
// run through the in-process functions behind `validate`, `audit` and `diff`. A case fails when a
// function throws anything but the project's input errors (a crash), takes more than 10 s (a hang),
// or quotes the injected credential in an error message.
//
//   node --test test/fuzz-manifests.test.ts                      500 cases, seed 1
//   FUZZ_CASES=10000 FUZZ_SEED=42 node --test test/fuzz-manifests.test.ts
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join, relative } from "node:path";
import { parseAllDocuments, stringify } from "yaml";
import { REPO } from "./helpers.ts";
import { mulberry32 } from "./fuzz-random.ts";
import { loadFixture } from "./fixtures/diff/objects.ts";
import { fileDocuments } from "../src/audit/schema/read-documents.ts";
import { decodeManifest } from "../src/audit/schema/manifest-bytes.ts";
import { validateDocumentStream, type ValidationResult } from "../src/audit/schema/validate-documents.ts";
import { createSchemaLoader } from "../src/audit/schema/schema-loader.ts";
import { withBundledArcCrds } from "../src/audit/schema/bundled-schemas.ts";
import { diffManifests, formatDriftReport, isKubeObject, objectKey } from "../src/audit/diff/index.ts";
import { DEFAULT_CLUSTER_NETWORK, auditDocuments, formatAuditTables } from "../src/cli/audit.ts";
import { manifestObjects } from "../src/cli/diff.ts";
import { resultsTable } from "../src/cli/validate.ts";

const CASES = Number(process.env["FUZZ_CASES"] ?? 500);
const SEED = Number(process.env["FUZZ_SEED"] ?? 1);
/** A case slower than this counts as a hang. */
const HANG_MS = 10_000;
/** The error types that mean "bad input, reported": anything else thrown is a crash. */
const INPUT_ERRORS = new Set(["InputError", "ConfigError", "CliError"]);

/** Every manifest the repository holds as a fixture or a baseline. */
function corpus(): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      const full = join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if ([".yaml", ".yml", ".json"].includes(extname(entry))) out.push({ name: relative(REPO, full), text: readFileSync(full, "utf8") });
    }
  };
  for (const dir of ["test/fixtures/validate", "test/fixtures/audit", "test/fixtures/diff", "test/fixtures/docs", "deploy"]) walk(join(REPO, dir));
  return out;
}

/** A credential of a shape the project never quotes; each case injects its own. */
const credential = (random: () => number) => `ghp_${Array.from({ length: 36 }, () => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"[Math.floor(random() * 62)]).join("")}`;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface Case {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly steps: readonly string[];
  readonly secret: string;
}

function makeCase(random: () => number, seeds: readonly { name: string; text: string }[]): Case {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const int = (n: number) => Math.floor(random() * n);
  const seed = pick(seeds);
  const secret = credential(random);
  const steps: string[] = [`seed ${seed.name}`];
  const json = seed.name.endsWith(".json");

  // Value-level mutations, when the seed parses.
  let docs: Json[] | undefined;
  try {
    const parsed = parseAllDocuments(seed.text, { version: "1.1" });
    if (Array.isArray(parsed) && parsed.every((d) => d.errors.length === 0)) docs = parsed.map((d) => d.toJS({ maxAliasCount: 100 }) as Json);
  } catch {
    docs = undefined;
  }
  const nodes = (root: Json): { parent: Json[] | { [k: string]: Json }; key: string | number }[] => {
    const out: { parent: Json[] | { [k: string]: Json }; key: string | number }[] = [];
    const stack: Json[] = [root];
    while (stack.length > 0 && out.length < 5000) {
      const v = stack.pop()!;
      if (Array.isArray(v)) {
        v.forEach((c, i) => {
          out.push({ parent: v, key: i });
          stack.push(c);
        });
      } else if (v !== null && typeof v === "object") {
        for (const [k, c] of Object.entries(v)) {
          out.push({ parent: v, key: k });
          stack.push(c);
        }
      }
    }
    return out;
  };
  const randomValue = (): Json => pick<() => Json>([
    () => null, () => true, () => "yes", () => 0, () => -1, () => 65536, () => 1.5, () => "", () => "x", () => [], () => {
      return {};
    }, () => [null], () => ({ a: [1, { b: "c" }] }), () => secret, () => "10.0.0.0/8", () => "*", () => "runner",
  ])();
  const valueMutations: Record<string, (root: Json) => Json> = {
    "type swap": (root) => {
      const all = nodes(root);
      if (all.length === 0) return randomValue();
      const n = pick(all);
      (n.parent as Record<string | number, Json>)[n.key] = randomValue();
      return root;
    },
    "delete key": (root) => {
      const all = nodes(root).filter((n) => !Array.isArray(n.parent));
      if (all.length > 0) {
        const n = pick(all);
        delete (n.parent as Record<string, Json>)[n.key as string];
      }
      return root;
    },
    "huge string": (root) => {
      const all = nodes(root);
      if (all.length > 0) {
        const n = pick(all);
        (n.parent as Record<string | number, Json>)[n.key] = "x".repeat(pick([1000, 100_000, 1_000_000]));
      }
      return root;
    },
    "huge number": (root) => {
      const all = nodes(root);
      if (all.length > 0) {
        const n = pick(all);
        (n.parent as Record<string | number, Json>)[n.key] = pick([1e308, -1e308, 2 ** 64, 5e-324, Number.MAX_SAFE_INTEGER + 2, Number.NaN, Number.POSITIVE_INFINITY]);
      }
      return root;
    },
    "list <-> map swap": (root) => {
      const all = nodes(root).filter((n) => {
        const v = (n.parent as Record<string | number, Json>)[n.key];
        return v !== null && typeof v === "object";
      });
      if (all.length > 0) {
        const n = pick(all);
        const v = (n.parent as Record<string | number, Json>)[n.key]!;
        (n.parent as Record<string | number, Json>)[n.key] = Array.isArray(v) ? Object.fromEntries(v.map((x, i) => [String(i), x])) : Object.values(v as object);
      }
      return root;
    },
    "wrong kind": (root) => {
      if (root !== null && typeof root === "object" && !Array.isArray(root)) {
        root["kind"] = pick<Json>(["Pod", "Deployment", "NetworkPolicy", "Namespace", "CronJob", "Job", "List", "DeploymentList", "AutoscalingRunnerSet", "ConfigMap", "", 42, null, ["Pod"]]);
        if (random() < 0.5) root["apiVersion"] = pick<Json>(["v1", "apps/v1", "batch/v1", "networking.k8s.io/v1", "actions.github.com/v1alpha1", "", 1, null]);
      }
      return root;
    },
    "null list items": (root) => {
      const lists = nodes(root).map((n) => (n.parent as Record<string | number, Json>)[n.key]).filter((v): v is Json[] => Array.isArray(v));
      if (lists.length > 0) pick(lists).push(null);
      return root;
    },
    "credential": (root) => {
      const all = nodes(root);
      if (all.length > 0) {
        const n = pick(all);
        if (random() < 0.5 || Array.isArray(n.parent)) (n.parent as Record<string | number, Json>)[n.key] = secret;
        else (n.parent as Record<string, Json>)[secret] = "value";
      }
      return root;
    },
  };
  let text = seed.text;
  if (docs !== undefined && docs.length > 0 && random() < 0.7) {
    const rounds = 1 + int(3);
    for (let r = 0; r < rounds; r++) {
      const [label, mutate] = pick(Object.entries(valueMutations));
      const d = int(docs.length);
      docs[d] = mutate(docs[d]!);
      steps.push(`${label} (document ${d})`);
    }
    text = json && docs.length === 1 ? JSON.stringify(docs[0]) : docs.map((d) => stringify(d, { lineWidth: 0, aliasDuplicateObjects: false })).join("---\n");
  }

  // Text-level mutations.
  const lines = () => text.split("\n");
  const textMutations: Record<string, () => void> = {
    "alias bomb": () => {
      const bomb = ["a: &a [x, x, x, x, x, x, x, x, x]"];
      for (let i = 1; i < 12; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(", ")}]`);
      text = random() < 0.5 ? `${bomb.join("\n")}\n---\n${text}` : `${text}\n---\n${bomb.join("\n")}\n`;
    },
    "recursive alias": () => {
      text = `${text}\n---\napiVersion: v1\nkind: Pod\nmetadata: &m\n  name: p\n  labels: *m\nspec: &s\n  containers: [*s]\n`;
    },
    "deep nesting": () => {
      const n = pick([150, 250, 3000, 20_000]);
      const ls = lines();
      const at = int(ls.length);
      ls[at] = random() < 0.5 ? `${ls[at]}\nx: ${"[".repeat(n)}${"]".repeat(n)}` : `${ls[at]}\n${Array.from({ length: Math.min(n, 3000) }, (_, i) => `${" ".repeat(i)}k:`).join("\n")} 1`;
      text = ls.join("\n");
    },
    "duplicate line": () => {
      const ls = lines();
      const at = int(ls.length);
      ls.splice(at, 0, ls[at] ?? "");
      text = ls.join("\n");
    },
    "truncate": () => {
      text = text.slice(0, int(text.length + 1));
    },
    "control character": () => {
      const at = int(text.length + 1);
      text = text.slice(0, at) + pick(["\u0001", "\u001b", "\u007f", "\u0085", "\ufeff", "\u2028", "\t"]) + text.slice(at);
    },
    "broken indentation": () => {
      const ls = lines();
      const at = int(ls.length);
      ls[at] = pick([" ", "\t", "   ", ""]) + (ls[at] ?? "");
      text = ls.join("\n");
    },
    "merge key": () => {
      text = `${text}\n---\nbase: &b {a: 1}\nx:\n  <<: ${pick(["*b", "[1, 2]", "[*b, *b]", "null", "*nope"])}\n`;
    },
    "flow soup": () => {
      const at = int(text.length + 1);
      text = text.slice(0, at) + pick(["{", "}", "[", "]", ",", ": ", "? ", "- ", "&", "*", "!", "|", ">", "%", "@", "`", "'", '"', "---\n", "...\n"]) + text.slice(at);
    },
    "many documents": () => {
      text = `${text}\n${"---\nkind: ConfigMap\n".repeat(200 + int(2000))}`;
    },
    "empty": () => {
      text = pick(["", "\n", "# only a comment\n", "---\n", "...\n", "---\n---\n"]);
    },
  };
  const rounds = docs === undefined || random() < 0.5 ? 1 + int(2) : int(2);
  for (let r = 0; r < rounds; r++) {
    const [label, mutate] = pick(Object.entries(textMutations));
    mutate();
    steps.push(label);
  }

  // Byte-level mutations.
  let bytes: Uint8Array = Buffer.from(text, "utf8");
  if (random() < 0.15) {
    const kind = pick(["binary bytes", "UTF-16LE with BOM", "UTF-16BE with BOM", "UTF-16LE without BOM", "UTF-32"]);
    steps.push(kind);
    if (kind === "binary bytes") {
      const b = Buffer.from(bytes);
      const out: number[] = [...b];
      for (let i = 0; i < 1 + int(8); i++) out.splice(int(out.length + 1), 0, pick([0x00, 0xff, 0xfe, 0xc3, 0x80, 0xed, 0xa0, 0xf4, 0x90, int(256)]));
      bytes = Uint8Array.from(out);
    } else if (kind === "UTF-32") {
      bytes = Uint8Array.from([0xff, 0xfe, 0x00, 0x00, ...Buffer.from(text, "utf16le")]);
    } else {
      const le = Buffer.from(text, "utf16le");
      if (kind.startsWith("UTF-16BE")) {
        for (let i = 0; i + 1 < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1]!, le[i]!];
        bytes = Uint8Array.from([0xfe, 0xff, ...le]);
      } else {
        bytes = kind.endsWith("with BOM") ? Uint8Array.from([0xff, 0xfe, ...le]) : Uint8Array.from(le);
      }
    }
  }
  return { name: `fuzz/${seed.name.replace(/[/\\]/g, "_")}`, bytes, steps, secret };
}

const loader = withBundledArcCrds(createSchemaLoader({ locations: [], kubernetesVersion: "1.32.2", strict: true }));
const desired = loadFixture("stack-objects.yaml");
const wanted = new Set(desired.filter(isKubeObject).map(objectKey));

/** Long texts (a stack trace quoting a megabyte of input) cut to what a report can show. */
const clip = (text: string) => (text.length > 1500 ? `${text.slice(0, 1500)}… (${text.length} characters)` : text);

/** How often each stage ended normally and with an input error, over all cases. */
const outcomes = new Map<string, number>();
const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);

/** Runs one case through validate, audit and diff; returns what went wrong (nothing when all is well). */
async function runCase(c: Case): Promise<string | undefined> {
  const problems: string[] = [];
  const guard = async (what: string, work: () => Promise<unknown>) => {
    try {
      const out = await work();
      // Output is printed as JSON: it must serialize, and it is not an error message.
      JSON.stringify(out);
      count(`${what} ran`);
    } catch (e) {
      count(`${what} refused the input`);
      const name = (e as Error)?.name;
      if (!INPUT_ERRORS.has(name)) {
        problems.push(`${what} crashed: ${clip((e as Error)?.stack ?? String(e))}`);
        return;
      }
      const message = (e as Error).message;
      if (message.includes(c.secret)) problems.push(`${what}: the error message quotes the injected credential: ${clip(message)}`);
      if (!/Fix: /.test(message)) problems.push(`${what}: the error message says no fix: ${clip(message)}`);
    }
  };
  await guard("validate", async () => {
    const results: ValidationResult[] = [];
    for await (const r of validateDocumentStream(fileDocuments(c.name, c.bytes), loader)) results.push(r);
    for (const r of results) for (const e of r.errors) if (`${e.path} ${e.message} ${e.fix}`.includes(c.secret)) problems.push(`validate: an error quotes the injected credential: ${clip(`${e.path}: ${e.message}`)}`);
    resultsTable(results, 120, Number.POSITIVE_INFINITY);
    return results;
  });
  await guard("audit", async () => {
    const result = await auditDocuments(c.name, fileDocuments(c.name, c.bytes), DEFAULT_CLUSTER_NETWORK);
    if (result.kubernetes) formatAuditTables(result.kubernetes, 120, Number.POSITIVE_INFINITY);
    return result;
  });
  await guard("diff", async () => {
    const actual = manifestObjects(c.name, decodeManifest(c.name, c.bytes, "yaml"), { keep: (o) => wanted.has(objectKey(o)) });
    const report = diffManifests(desired, actual);
    formatDriftReport(report, { desired: "the stack", actual: c.name });
    return report;
  });
  return problems.length > 0 ? problems.join("\n") : undefined;
}

test(`fuzzed manifests never crash, hang or echo a credential (FUZZ_SEED=${SEED}, FUZZ_CASES=${CASES})`, { timeout: Math.max(600_000, CASES * 2_000) }, async (t) => {
  const seeds = corpus();
  assert.ok(seeds.length >= 20, `the corpus holds ${seeds.length} manifests`);
  t.diagnostic(`seed ${SEED}, ${CASES} cases, ${seeds.length} manifests in the corpus`);
  const random = mulberry32(SEED);
  const failures: string[] = [];
  let slowest = 0;
  for (let i = 0; i < CASES; i++) {
    const c = makeCase(random, seeds);
    const started = performance.now();
    const problem = await runCase(c);
    const ms = performance.now() - started;
    slowest = Math.max(slowest, ms);
    const where = `case ${i} (FUZZ_SEED=${SEED}): ${c.steps.join(" -> ")}`;
    if (problem !== undefined) failures.push(`${where}\n${problem}`);
    if (ms > HANG_MS) failures.push(`${where}\ntook ${Math.round(ms)} ms (a hang: more than ${HANG_MS} ms)`);
    if (failures.length >= 5) break;
  }
  t.diagnostic(`${CASES} cases run, slowest ${Math.round(slowest)} ms, ${failures.length} failures; ${[...outcomes].sort().map(([k, n]) => `${k} ${n}`).join(", ")}`);
  assert.deepEqual(failures, [], failures.join("\n\n"));
});
