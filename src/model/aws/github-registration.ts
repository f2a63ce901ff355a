/**
 * How an EC2 runner registers with GitHub: one just-in-time configuration per instance
 * (`POST <api>/<scope>/actions/runners/generate-jitconfig` with `{name, runner_group_id, labels,
 * work_folder}` -> 201 `{runner, encoded_jit_config}`), minted by the instance at boot or by the
 * secret-id broker at the launch hook, and started with `run.sh --jitconfig`. No registration
 * token exists anywhere. The scope (repository, organisation or enterprise) is the one
 * `githubUrl` names; the runner group is a number, because that is what the API takes.
 */
import type { AwsJitConfigMinter } from "../aws-runner-defaults.ts";
import { FORGES } from "../forge.ts";
import { type GithubRunnerScope, githubApiUrl, githubRunnersPath, parseGithubRunnerScope } from "../github-vm.ts";
import type { ConfigIssue } from "../issues.ts";

/** The most labels one JIT request takes (GitHub's `labels`: 1 to 100 items). */
export const GITHUB_JIT_MAX_LABELS = 100;
/** The largest runner group id the API accepts (a 32-bit integer). */
export const GITHUB_MAX_RUNNER_GROUP_ID = 2_147_483_647;

/** The resolved registration of a profile's runners. */
export interface AwsGithubRegistration {
  readonly mintedBy: AwsJitConfigMinter;
  readonly scope: GithubRunnerScope;
  /** REST API base: `https://api.github.com`, or `<server>/api/v3` for GitHub Enterprise Server. */
  readonly apiUrl: string;
  /** `POST` here mints a JIT configuration. */
  readonly jitConfigUrl: string;
  /** The scope's runners (`<runnersUrl>/<runner id>` removes one). */
  readonly runnersUrl: string;
  /** `runner_group_id` of the request. */
  readonly runnerGroupId: number;
  /** `labels` of the request: the profile's labels and the ones GitHub's runner would add itself, each once. */
  readonly labels: readonly string[];
}

/** The profile's labels and GitHub's implicit ones (self-hosted, linux), each once; GitHub compares them without case. */
export function githubRunnerLabels(labels: readonly string[]): string[] {
  const github = FORGES.github;
  const out: string[] = [];
  const seen = new Set<string>();
  for (const l of [...labels, ...github.implicitLabels]) {
    const key = github.labelKey(l);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(github.labelName(l));
  }
  return out;
}

/** The scope a `githubUrl` names: `https://<host>/<org>`, `/<owner>/<repo>` or `/enterprises/<slug>`; or why it names none. */
export function githubUrlScope(githubUrl: string): { readonly base: string; readonly scope: GithubRunnerScope } | string {
  const url = new URL(githubUrl);
  const path = url.pathname.replace(/^\/+|\/+$/g, "");
  if (path === "") return "names no organisation, repository or enterprise";
  const scope = parseGithubRunnerScope(path);
  return typeof scope === "string" ? scope : { base: url.origin, scope };
}

export interface GithubRegistrationInput {
  readonly githubUrl: string;
  readonly labels: readonly string[];
  /** The group's name from the runner profiles file ("Default" or unset is group 1). */
  readonly runnerGroup?: string | undefined;
  readonly runnerGroupId?: number | undefined;
  readonly mintedBy: AwsJitConfigMinter;
}

/** Resolves the registration; problems go to `issues` under the profile's key paths. */
export function resolveGithubRegistration(input: GithubRegistrationInput, defaultGroupId: number, issues: ConfigIssue[]): AwsGithubRegistration | undefined {
  const found = githubUrlScope(input.githubUrl);
  if (typeof found === "string") {
    issues.push({ path: "githubUrl", message: `${found}, so there is nowhere to register runners`, fix: 'give the organisation, repository or enterprise URL runners register with, e.g. "https://github.com/acme", "https://github.com/acme/app" or "https://github.com/enterprises/acme"' });
  }
  const runnerGroupId = input.runnerGroupId ?? defaultGroupId;
  const at = input.runnerGroupId === undefined ? `runnerGroupId (default ${defaultGroupId})` : "runnerGroupId";
  const named = input.runnerGroup !== undefined && input.runnerGroup !== "Default" ? input.runnerGroup : undefined;
  if (named !== undefined && runnerGroupId === 1) {
    issues.push({ path: at, message: `is 1 (the Default group), but the runner profile names group "${named}"`, fix: `set runner.runnerGroupId to the id of "${named}" (gh api orgs/<org>/actions/runner-groups --jq '.runner_groups[] | select(.name == "${named}") | .id'), or name the Default group in the profile` });
  } else if (named === undefined && runnerGroupId !== 1) {
    issues.push({ path: at, message: `is ${runnerGroupId}, but the runner profile names no group (the Default group, id 1)`, fix: "name the group in the runner profile (runnerGroup), or set runner.runnerGroupId to 1" });
  }
  if (typeof found !== "string" && found.scope.kind === "repo" && runnerGroupId !== 1) {
    issues.push({ path: at, message: `is ${runnerGroupId}, but repository runners belong to no runner group`, fix: "set runner.runnerGroupId to 1, or register with the organisation (githubUrl https://github.com/<org>) to use a group" });
  }
  const labels = githubRunnerLabels(input.labels);
  if (labels.length > GITHUB_JIT_MAX_LABELS) {
    issues.push({ path: "labels", message: `gives ${labels.length} labels with self-hosted and linux; a JIT request takes at most ${GITHUB_JIT_MAX_LABELS}`, fix: `keep at most ${GITHUB_JIT_MAX_LABELS} labels in all` });
  }
  if (typeof found === "string") return undefined;
  const apiUrl = githubApiUrl(found.base);
  const runnersUrl = `${apiUrl}${githubRunnersPath(found.scope)}`;
  return { mintedBy: input.mintedBy, scope: found.scope, apiUrl, jitConfigUrl: `${runnersUrl}/generate-jitconfig`, runnersUrl, runnerGroupId, labels };
}
