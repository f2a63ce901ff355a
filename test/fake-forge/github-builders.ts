// Builders for GitHub REST objects that validate against GitHub's published description: each
// starts from the description's own example (components.examples) and sets what a test names.
// Every field can be overridden through `extra`, to make an object GitHub would not send.
import { githubExample } from "./github-openapi.ts";

export type GithubObject = Record<string, unknown>;

export interface GithubRunnerLabel { id?: number; name: string; type?: "read-only" | "custom" }

/** `runner`: a self-hosted runner as the runner lists show it. */
export interface GithubRunner extends GithubObject { id: number; name: string; os: string; status: string; busy: boolean; labels: GithubRunnerLabel[]; runner_group_id?: number; ephemeral?: boolean }
/** `runner-groups-org`: an organisation's runner group. */
export interface GithubRunnerGroup extends GithubObject { id: number; name: string; default: boolean }
/** `minimal-repository`: a repository as `GET /orgs/{org}/repos` lists it. */
export interface GithubRepository extends GithubObject { id: number; name: string; full_name: string; archived?: boolean; disabled?: boolean; pushed_at?: string | null }
/** `workflow-run`. */
export interface GithubWorkflowRun extends GithubObject { id: number; name?: string | null; status: string | null; conclusion: string | null; created_at: string; repository: GithubRepository }
/** `job`: one job of a workflow run. */
export interface GithubJob extends GithubObject { id: number; run_id: number; name: string; status: string; labels: string[]; created_at: string; workflow_name: string | null; html_url: string | null; run_attempt?: number }

/** Labels GitHub gives every self-hosted runner (type read-only); others are custom. */
const DEFAULT_LABELS = new Set(["self-hosted", "linux", "windows", "macos", "x64", "arm", "arm64"]);
let labelIds = 100;
const labelIdByName = new Map<string, number>();

function runnerLabel(label: string | GithubRunnerLabel): GithubRunnerLabel {
  if (typeof label !== "string") return label;
  let id = labelIdByName.get(label);
  if (id === undefined) {
    id = labelIds += 1;
    labelIdByName.set(label, id);
  }
  return { id, name: label, type: DEFAULT_LABELS.has(label.toLowerCase()) ? "read-only" : "custom" };
}

export interface RunnerInit {
  id: number;
  name: string;
  status?: "online" | "offline";
  busy?: boolean;
  /** Label names (read-only for GitHub's default ones, custom otherwise) or label objects. @default ["self-hosted", "Linux", "X64"] */
  labels?: readonly (string | GithubRunnerLabel)[];
  os?: string;
  ephemeral?: boolean;
  runner_group_id?: number;
  extra?: GithubObject;
}

/** A runner, from the example of `GET /orgs/{org}/actions/runners`. */
export function runner(init: RunnerInit): GithubRunner {
  const base = (githubExample("runner-paginated")["runners"] as GithubObject[])[0]!;
  return {
    ...base,
    id: init.id,
    name: init.name,
    os: init.os ?? "linux",
    status: init.status ?? "online",
    busy: init.busy ?? false,
    ephemeral: init.ephemeral ?? false,
    labels: (init.labels ?? ["self-hosted", "Linux", "X64"]).map(runnerLabel),
    ...(init.runner_group_id === undefined ? {} : { runner_group_id: init.runner_group_id }),
    ...init.extra,
  };
}

export interface RunnerGroupInit { id: number; name: string; org?: string; default?: boolean; visibility?: "all" | "selected" | "private"; extra?: GithubObject }

/** An organisation's runner group, from the example of `GET /orgs/{org}/actions/runner-groups`. */
export function runnerGroup(init: RunnerGroupInit): GithubRunnerGroup {
  const base = (githubExample("runner-groups-org")["runner_groups"] as GithubObject[])[0]!;
  const org = init.org ?? "acme";
  return {
    ...base,
    id: init.id,
    name: init.name,
    default: init.default ?? init.id === 1,
    visibility: init.visibility ?? "all",
    runners_url: `https://api.github.com/orgs/${org}/actions/runner_groups/${init.id}/runners`,
    ...init.extra,
  } as GithubRunnerGroup;
}

let repositoryIds = 5000;

export interface RepositoryInit {
  /** `owner/name`. */
  full_name: string;
  id?: number;
  pushed_at?: string | null;
  archived?: boolean;
  disabled?: boolean;
  private?: boolean;
  extra?: GithubObject;
}

/** A repository (`minimal-repository`), from the example of `GET /orgs/{org}/repos`. */
export function repository(init: RepositoryInit): GithubRepository {
  const [owner = "acme", name = "app"] = init.full_name.split("/");
  const example = (githubExample("minimal-repository-items") as unknown as GithubObject[])[0]!;
  const base = JSON.parse(JSON.stringify(example).replaceAll("octocat/Hello-World", init.full_name)) as GithubObject;
  return {
    ...base,
    id: init.id ?? (repositoryIds += 1),
    name,
    full_name: init.full_name,
    owner: { ...(base["owner"] as GithubObject), login: owner, type: "Organization" },
    private: init.private ?? false,
    archived: init.archived ?? false,
    disabled: init.disabled ?? false,
    pushed_at: init.pushed_at === undefined ? "2026-12-01T10:00:00Z" : init.pushed_at,
    ...init.extra,
  } as GithubRepository;
}

export interface WorkflowRunInit {
  id: number;
  /** `owner/name`. @default "acme/app" */
  repository?: string;
  /** The workflow's name. @default "CI" */
  name?: string;
  status?: "queued" | "in_progress" | "completed" | "waiting" | "requested" | "pending";
  created_at?: string;
  extra?: GithubObject;
}

/** A workflow run, from the example of `GET /repos/{owner}/{repo}/actions/runs`. */
export function workflowRun(init: WorkflowRunInit): GithubWorkflowRun {
  const full = init.repository ?? "acme/app";
  const example = (githubExample("workflow-run-paginated")["workflow_runs"] as GithubObject[])[0]!;
  const base = JSON.parse(JSON.stringify(example).replaceAll("octo-org/octo-repo", full).replaceAll(String(example["id"]), String(init.id))) as GithubObject;
  const created = init.created_at ?? "2026-12-03T10:00:00Z";
  const repo = repository({ full_name: full });
  return {
    ...base,
    id: init.id,
    name: init.name ?? "CI",
    status: init.status ?? "queued",
    conclusion: null,
    created_at: created,
    updated_at: created,
    run_started_at: created,
    repository: repo,
    head_repository: repo,
    ...init.extra,
  };
}

export interface JobInit {
  id: number;
  run_id: number;
  /** `owner/name`. @default "acme/app" */
  repository?: string;
  /** The job's name. @default "build" */
  name?: string;
  /** The workflow's name. @default "CI" */
  workflow_name?: string;
  /** Its `runs-on` labels. @default ["self-hosted"] */
  labels?: readonly string[];
  /** When it was queued. @default "2026-12-03T10:00:00Z" */
  created_at?: string;
  /** @default "queued" */
  status?: "queued" | "in_progress" | "completed" | "waiting" | "requested" | "pending";
  run_attempt?: number;
  extra?: GithubObject;
}

/**
 * A job, from the example of `GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs` (whose example
 * lacks the required `created_at`): queued by default, so no runner, no conclusion, no steps.
 */
export function queuedJob(init: JobInit): GithubJob {
  const full = init.repository ?? "acme/app";
  const example = (githubExample("job-paginated")["jobs"] as GithubObject[])[0]!;
  const base = JSON.parse(JSON.stringify(example).replaceAll("octo-org/octo-repo", full)) as GithubObject;
  const created = init.created_at ?? "2026-12-03T10:00:00Z";
  const status = init.status ?? "queued";
  const running = status === "in_progress" || status === "completed";
  return {
    ...base,
    id: init.id,
    run_id: init.run_id,
    run_url: `https://api.github.com/repos/${full}/actions/runs/${init.run_id}`,
    url: `https://api.github.com/repos/${full}/actions/jobs/${init.id}`,
    html_url: `https://github.com/${full}/actions/runs/${init.run_id}/job/${init.id}`,
    check_run_url: `https://api.github.com/repos/${full}/check-runs/${init.id}`,
    name: init.name ?? "build",
    workflow_name: init.workflow_name ?? "CI",
    labels: [...(init.labels ?? ["self-hosted"])],
    status,
    conclusion: status === "completed" ? "success" : null,
    created_at: created,
    started_at: created,
    completed_at: status === "completed" ? created : null,
    run_attempt: init.run_attempt ?? 1,
    steps: [],
    runner_id: running ? 1 : null,
    runner_name: running ? "runner-1" : null,
    runner_group_id: running ? 1 : null,
    runner_group_name: running ? "Default" : null,
    ...init.extra,
  };
}
