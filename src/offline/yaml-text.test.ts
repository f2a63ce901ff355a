import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { stringify } from "yaml";
import { yamlText } from "./yaml-text.ts";
import { renderStack } from "./render-stack.ts";
import { kubernetesObjects } from "./rendered.ts";

const REPO = join(import.meta.dirname, "../..");
const expected = (v: unknown) => stringify(v, { lineWidth: 0 });

/** A small seeded generator (mulberry32), so a failure names a case that can be run again. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = ["a", "Z", "x1", "0", "7", "12", ".", "-", "_", "/", ":", " ", "#", "@", "~", ",", "'", '"', "\\", "\n", "\t", "é", "%", "---", "...", "true", "False", "null", "NULL", "yes", "no", "on", "0x1F", "0o7", "1e3", ".5", "-1", "+2", "[", "]", "{", "}", "*", "&", "!", "|", ">", "?", "=", "<<", "(", ")", "`", ": ", " #", "\u2028", "\u0007"];

/** Pieces of plain one-line text, so that most values take the fast way rather than the fallback. */
const PLAIN_PIECES = ["a", "Z", "x1", "0", "7", "12", ".", "-", "_", "/", ":", " ", "@", "~", ",", "=", "(", ")", "true", "null", "yes", "0x1F", "1e3", ".5", "-1", "4Gi", "500m", "0.14.2", "10.0.0.0/8", "--config", "-c", ".inf", "-.Inf", ".NaN", "0o17", "1_000", "1:30", "2e", "+", "E", "\n", "\n", "\n\n", "  ", "#", "- ", "---", "..."];

function value(next: () => number, depth: number, pieces = PIECES): unknown {
  const r = next();
  if (depth > 4 || r < 0.45) {
    const s = next();
    if (s < 0.6) return Array.from({ length: Math.floor(next() * 5) }, () => pieces[Math.floor(next() * pieces.length)]).join("");
    if (s < 0.7) return Math.floor((next() - 0.5) * 1e6);
    if (s < 0.75) return pieces === PIECES ? next() - 0.5 : 3;
    if (s < 0.85) return next() < 0.5;
    if (s < 0.95) return null;
    return pieces === PIECES && s < 0.97 ? -0 : pieces === PIECES ? undefined : 1;
  }
  const n = Math.floor(next() * 4);
  if (r < 0.7) return Array.from({ length: n }, () => value(next, depth + 1, pieces));
  const obj: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) obj[String(value(next, 5, pieces))] = value(next, depth + 1, pieces);
  return obj;
}

describe("yamlText writes what the yaml package's stringify writes", () => {
  it("for hand-picked values: empty collections, nested lists, keywords, numbers as strings, indicators", () => {
    const cases: unknown[] = [
      {}, [], { a: null, b: null }, [null], { a: [[]], b: [{}], c: [[{}]], d: [[1, [2, { x: [] }]]] },
      { "2": 1, true: 2, "a b": "c d", k: "0755", v: "1.0", w: "010", z: "-", y: "- x", q: "?", r: "? x", s: "a,b", t: "f(x)", u: "~x", e: "" },
      { cpu: "2", memory: "4Gi", m: "500m", v: "0.14.2", cidr: "10.0.0.0/8", inf: ".inf", nan: "-.NaN", o: "0o17", u: "1_000", sx: "1:30", e: "2e", dot: ".github/x", dash: "-c", flag: "--config", image: "ghcr.io/o/r:2.329.0", url: "https://x.example/a?b=c#d", cmd: ["--flag=1", "-v", "a: b", "x:y", "x:"] },
      { "...k": 1, "---": 2, "%x": 3, nested: { "...k": 1, "---": 2 } },
      { script: "set -e\necho a: b\n\n  indented\n#x\n", noeol: "a\nb", lead: " a\nb", eol2: "a\n\n", trail: "a \nb", marker: "x\n--- y", list: ["a\nb\n", ["c\nd"], { k: "e\nf" }] }, { multi: "line one\nline two\n", tabs: "a\tb", unicode: "é", long: "x".repeat(2000), [`${"k".repeat(1100)}`]: 1 },
      { n: 1.5, neg: -0, big: 2 ** 60, undef: undefined, list: [undefined, 1] },
      "a string", 42, null, true,
    ];
    for (const c of cases) assert.equal(yamlText(c), expected(c), JSON.stringify(c));
  });

  it("for 5,000 seeded random values, half of them of plain text only", () => {
    for (let seed = 1; seed <= 5000; seed++) {
      const v = value(random(seed), 0, seed % 2 === 0 ? PLAIN_PIECES : PIECES);
      assert.equal(yamlText(v), expected(v), `seed ${seed}: ${JSON.stringify(v)}`);
    }
  });

  it("for every Kubernetes object the Kubernetes stacks render", async () => {
    for (const stack of ["infra/pulumi/gh-runner", "infra/pulumi/gh-runners-firecracker"]) {
      const objects = kubernetesObjects(await renderStack(join(REPO, stack)));
      assert.ok(objects.length > 0, stack);
      for (const o of objects) assert.equal(yamlText(o), expected(o), `${stack}: ${String(o["kind"])}`);
    }
  });
});
