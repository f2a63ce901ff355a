// Prints the hostile settings table: every corpus file (and the generated ones) rendered offline,
// counted by outcome, with every file that did not pass. Usage: node test/hostile-settings/report.ts
import { basename } from "node:path";
import { formatReport, runCorpus, staleBuildNote } from "./corpus.ts";

const note = staleBuildNote();
if (note !== undefined) console.log(`note: ${note}\n`);
const started = performance.now();
const tty = process.stderr.isTTY;
const outcomes = await runCorpus((o) => {
  if (tty) process.stderr.write(`\r\x1b[K${o.case.project}/${basename(o.case.file)}`);
});
if (tty) process.stderr.write("\r\x1b[K");
console.log(formatReport(outcomes));
console.log(`\n${outcomes.length} files in ${((performance.now() - started) / 1000).toFixed(1)} s`);
