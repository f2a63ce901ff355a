import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { LIST_SEMANTICS } from "./merge-keys.ts";
import { SERVER_DEFAULTS } from "./server-defaults.ts";
import { ANNOTATIONS, ANNOTATION_PREFIXES, ROOT_FIELDS, TYPE_FIELDS } from "./server-fields.ts";

const doc = readFileSync(resolve(import.meta.dirname, "../../../docs/diff.md"), "utf8");
/** The text of the docs/diff.md section under `heading`, up to the next heading. */
function section(heading: string): string {
  const start = doc.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `docs/diff.md has no "${heading}"`);
  const end = doc.indexOf("\n#", start + heading.length + 2);
  return doc.slice(start, end < 0 ? undefined : end);
}
/** The table row of a section whose first cell is `name`. */
const row = (text: string, name: string) => text.split("\n").find((l) => l.startsWith(`| \`${name}\` |`));

test("docs/diff.md lists every list of the merge-key table with its keys", () => {
  const lists = section("### Lists");
  for (const [name, semantics] of Object.entries(LIST_SEMANTICS)) {
    const line = row(lists, name);
    assert.ok(line, `docs/diff.md has no row for ${name}`);
    if (semantics.kind === "keyed") {
      const keys = semantics.keys.map((k) => `\`${k.field}\`${k.default === undefined ? "" : ` (absent = \`${k.default}\`)`}`).join(" + ");
      assert.ok(line.includes(`keyed by ${keys}`), `${name}: expected "keyed by ${keys}" in: ${line}`);
    } else {
      assert.ok(line.includes(semantics.kind), `${name}: expected "${semantics.kind}" in: ${line}`);
    }
  }
});

test("docs/diff.md lists every server default with its value", () => {
  const defaults = section("### Server defaults");
  for (const [type, fields] of Object.entries(SERVER_DEFAULTS)) {
    for (const [field, d] of Object.entries(fields)) {
      const name = /^[A-Za-z_]\w*$/.test(field) ? `${type}.${field}` : `${type}["${field}"]`;
      const line = row(defaults, name);
      assert.ok(line, `docs/diff.md has no row for ${name}`);
      const cell = line.split(" | ")[1] ?? "";
      if (d.kind === "value") assert.ok(cell.startsWith(`\`${JSON.stringify(d.value)}\``), `${name}: expected ${JSON.stringify(d.value)} in: ${line}`);
      else assert.ok(cell.startsWith(d.kind), `${name}: expected "${d.kind}" in: ${line}`);
    }
  }
});

test("docs/diff.md names every field and annotation that is never compared", () => {
  const never = section("### Fields that are never compared");
  const names = [...ROOT_FIELDS, ...Object.values(TYPE_FIELDS).flatMap((s) => [...s]), ...ANNOTATIONS, ...ANNOTATION_PREFIXES];
  for (const n of names) assert.ok(never.includes(`\`${n}\``), `docs/diff.md does not mention \`${n}\``);
});
