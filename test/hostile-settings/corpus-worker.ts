// Renders one hostile settings file in a process of its own and prints its outcome as one JSON
// line (`@@outcome {...}`): for the generated files, which can take long enough that the caller
// must be able to stop them. Usage: node test/hostile-settings/corpus-worker.ts '<case as JSON>'
import { type CorpusCase, runCase } from "./corpus.ts";

delete process.env["RUNNER_SSH_KEY_PATH"];
const c = JSON.parse(process.argv[2] ?? "null") as CorpusCase | null;
if (c === null) {
  console.error("usage: corpus-worker.ts '<case as JSON>'");
  process.exit(2);
}
const o = await runCase(c);
console.log(`@@outcome ${JSON.stringify({ category: o.category, detail: o.detail, leaks: o.leaks, ms: o.ms })}`);
// Pulumi's runtime may keep handles open after a refused render; the answer is out.
process.exit(0);
