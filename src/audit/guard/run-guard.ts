/** The whole guard: the fleet-aware checks and actionlint, as one sorted list of findings. */
import type { RunnerProfile } from "../../model/profile-schema.ts";
import { actionlintFindings, lintWorkers, startLint, type LintOutcome } from "./actionlint.ts";
import { checkWorkflows, type GuardOptions } from "./check-workflows.ts";
import { sortFindings, type GuardFinding } from "./finding.ts";
import { parseWorkflow, type ParseResult, type WorkflowFile } from "./workflow.ts";

export interface RunGuardOptions extends GuardOptions {
  /** Also run actionlint. @default true */
  readonly actionlint?: boolean;
}

export async function runGuard(files: readonly WorkflowFile[], profiles: readonly RunnerProfile[], opts: RunGuardOptions = {}): Promise<GuardFinding[]> {
  // Each file is parsed once and handed to actionlint as soon as it parses, so actionlint starts
  // (and works in its own thread) while the rest are parsed and the guard's own checks run here.
  const workers = lintWorkers(files.length);
  const parsed: ParseResult[] = [];
  const started: (Promise<LintOutcome> | undefined)[] = [];
  for (const f of files) {
    const p = parseWorkflow(f);
    parsed.push(p);
    started.push(opts.actionlint !== false && p.lintable ? startLint(f, workers) : undefined);
  }
  const lint = opts.actionlint === false ? Promise.resolve([]) : actionlintFindings(files, profiles, parsed, started);
  const own = await checkWorkflows(files, profiles, opts, parsed);
  return sortFindings([...own, ...(await lint)]);
}
