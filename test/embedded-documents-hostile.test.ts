// Documents a stack embeds in its resources, when they are hostile or broken: a render never
// crashes on them and never takes long (alias bombs in user-data, JSON nested too deep to print,
// scripts with thousands of unterminated here-documents, inputs nested deeper than any program's).
import { test } from "node:test";
import assert from "node:assert/strict";
import { embeddedDocuments } from "../src/offline/embedded-documents.ts";
import type { RenderedResource } from "../src/offline/rendered.ts";

const resource = (type: string, inputs: Record<string, unknown>): RenderedResource => ({ type, name: "r", custom: true, inputs });

test("cloud-init user-data that is an alias bomb is shown as it is, not expanded", () => {
  const bomb = ["#cloud-config", "a: &a [x, x, x, x, x, x, x, x, x]"];
  for (let i = 1; i < 10; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(", ")}]`);
  bomb.push("write_files: *j");
  const docs = embeddedDocuments(resource("command:remote:Command", { stdin: `${bomb.join("\n")}\n` }));
  assert.deepEqual(docs.map((d) => d.suffix), ["user-data.yaml"]);
  assert.equal(docs[0]?.content, `${bomb.join("\n")}\n`);
});

test("YAML and JSON nested thousands of levels deep are kept as text", () => {
  const deepYaml = `key: ${"[".repeat(5000)}${"]".repeat(5000)}\nmore: 1\n`;
  assert.deepEqual(embeddedDocuments(resource("command:remote:Command", { stdin: deepYaml })).map((d) => d.suffix), ["stdin.txt"]);
  const deepJson = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
  const [policy] = embeddedDocuments(resource("aws:iam/policy:Policy", { policy: deepJson }));
  assert.equal(policy?.suffix, "policy.json");
  assert.equal(policy?.content, `${deepJson}\n`);
});

test("a script of many unterminated here-documents is read in one pass", () => {
  const script = `#!/bin/sh\n${"cat >/etc/x <<'EOF'\necho\n".repeat(20_000)}`;
  const docs = embeddedDocuments(resource("command:remote:Command", { create: script }));
  assert.deepEqual(docs.map((d) => d.suffix), ["create.sh"]);
});

test("inputs nested deeper than any program's are not searched below that depth", () => {
  let inputs: unknown = "#!/bin/sh\necho deep\n";
  for (let i = 0; i < 20_000; i++) inputs = i % 2 ? [inputs] : { x: inputs };
  assert.deepEqual(embeddedDocuments(resource("command:remote:Command", { create: "#!/bin/sh\necho top\n", nested: inputs })).map((d) => d.suffix), ["create.sh"]);
});
