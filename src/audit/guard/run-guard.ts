/** The whole guard: the fleet-aware checks and actionlint, as one sorted list of findings. */
import type { RunnerProfile } from "../../model/profile-schema.ts";
import { actionlintFindings } from "./actionlint.ts";
import { checkWorkflows, type GuardOptions } from "./check-workflows.ts";
import { sortFindings, type GuardFinding } from "./finding.ts";
import { parseWorkflow, type WorkflowFile } from "./workflow.ts";

export interface RunGuardOptions extends GuardOptions {
  /** Also run actionlint. @default true */
  readonly actionlint?: boolean;
}

export async function runGuard(files: readonly WorkflowFile[], profiles: readonly RunnerProfile[], opts: RunGuardOptions = {}): Promise<GuardFinding[]> {
  // Each file is parsed once; actionlint works in its own threads while the guard's own checks run here.
  const parsed = files.map(parseWorkflow);
  const lint = opts.actionlint === false ? Promise.resolve([]) : actionlintFindings(files, profiles, parsed);
  const own = await checkWorkflows(files, profiles, opts, parsed);
  return sortFindings([...own, ...(await lint)]);
}
