// A node:test reporter, used next to `spec`: at the end of the run it lists each validator whose
// tests were skipped because it is missing (see ./validators.ts), with the command that installs
// it. It prints nothing when no test was skipped for a missing validator.
import type { TestEvent } from "node:test/reporters";
import { installCommand, skippedValidators, type ValidatorName } from "./validators.ts";

interface Count {
  tests: number;
  suites: number;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The summary block for `counts`, or "" when nothing was skipped. */
export function skipSummary(counts: ReadonlyMap<ValidatorName, Count>): string {
  if (counts.size === 0) return "";
  const rows = [...counts].map(([name, c]) => [name, installCommand([name]), [c.tests > 0 ? plural(c.tests, "test") : "", c.suites > 0 ? plural(c.suites, "suite") : ""].filter(Boolean).join(", ")] as const);
  const nameWidth = Math.max(...rows.map((r) => r[0].length));
  const commandWidth = Math.max(...rows.map((r) => r[1].length));
  return [
    "",
    "Skipped because a validator is missing (install them, or run .ci/run as root, to run these checks):",
    ...rows.map(([name, command, what]) => `  ${name.padEnd(nameWidth)}  ${command.padEnd(commandWidth)}   (${what})`),
    "",
    "",
  ].join("\n");
}

export default async function* skipSummaryReporter(source: AsyncIterable<TestEvent>): AsyncGenerator<string, void> {
  const counts = new Map<ValidatorName, Count>();
  let done = false;
  for await (const event of source) {
    if (event.type === "test:pass" || event.type === "test:fail") {
      const { skip } = event.data;
      if (typeof skip !== "string") continue;
      for (const name of skippedValidators(skip)) {
        const c = counts.get(name) ?? { tests: 0, suites: 0 };
        if (event.data.details.type === "suite") c.suites++;
        else c.tests++;
        counts.set(name, c);
      }
    } else if (event.type === "test:plan" && event.data.nesting === 0 && event.data.file === undefined && !done) {
      // The run's own plan comes last but for the totals: print before spec's closing "ℹ tests ..." lines.
      done = true;
      const block = skipSummary(sorted(counts));
      if (block) yield block;
    }
  }
  const block = done ? "" : skipSummary(sorted(counts));
  if (block) yield block;
}

const sorted = (counts: Map<ValidatorName, Count>) => new Map([...counts].sort(([a], [b]) => a.localeCompare(b)));
