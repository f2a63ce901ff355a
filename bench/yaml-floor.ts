// The floor for the documents benchmark: the same manifest parsed by the yaml package alone, one
// document at a time (Parser + Composer, YAML 1.1 as kubectl reads it, each document turned into
// plain values), with no runner-fleet code. Usage: node bench/yaml-floor.ts manifest.yaml
import { readFileSync } from "node:fs";
import { Composer, Parser } from "yaml";

const text = readFileSync(process.argv[2] ?? "", "utf8");
const composer = new Composer({ version: "1.1" });
let documents = 0;
for (const token of new Parser().parse(text)) {
  for (const doc of composer.next(token)) {
    doc.toJS({ maxAliasCount: 100 });
    documents++;
  }
}
for (const doc of composer.end()) {
  doc.toJS({ maxAliasCount: 100 });
  documents++;
}
process.stdout.write(`${documents} documents parsed\n`);
