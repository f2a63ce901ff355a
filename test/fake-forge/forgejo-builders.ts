// Builders for Forgejo API objects that validate against Forgejo 15's published description
// (test/reference/forgejo-v15/): every field a real answer carries, with plain defaults, and what
// a test names set. `extra` overrides any field, to make an object Forgejo would not send.

export type ForgejoObject = Record<string, unknown>;

/** `ActionRunner`: a registered runner. `idle` and `active` runners are online; `active` ones run a job. */
export interface ForgejoRunner extends ForgejoObject { id: number; uuid: string; name: string; status: "offline" | "idle" | "active"; labels: string[]; ephemeral: boolean; owner_id: number; repo_id: number; version: string; description: string }
/** `ActionRunJob`: a job as the job listings show it. */
export interface ForgejoJob extends ForgejoObject { id: number; name: string; repo_id: number; run_id: number; owner_id: number; runs_on: string[]; status: string; attempt: number; handle: string; needs: string[]; task_id: number }
/** `User`: a user or organisation as other objects embed it. */
export interface ForgejoUser extends ForgejoObject { id: number; login: string }
/** `Repository`. */
export interface ForgejoRepository extends ForgejoObject { id: number; name: string; full_name: string; owner: ForgejoUser; html_url: string }
/** `ActionRun`: a workflow run; `created` is when it was queued. */
export interface ForgejoRun extends ForgejoObject { id: number; title: string; status: string; created: string; html_url: string; repository: ForgejoRepository; workflow_id: string }

/** The web address the builders' URLs use. */
export const FAKE_WEB = "https://code.example.org";
const T0 = "2026-05-01T10:00:00Z";

export interface RunnerInit {
  id: number;
  name?: string;
  /** @default "idle" */
  status?: ForgejoRunner["status"];
  /** @default ["docker"] */
  labels?: string[];
  /** @default false */
  ephemeral?: boolean;
  owner_id?: number;
  repo_id?: number;
  extra?: ForgejoObject;
}

/** A runner (`ActionRunner`). */
export function runner(init: RunnerInit): ForgejoRunner {
  return {
    id: init.id,
    uuid: `00000000-0000-4000-8000-${String(init.id).padStart(12, "0")}`,
    name: init.name ?? `runner-${init.id}`,
    version: "v12.5.0",
    labels: init.labels ?? ["docker"],
    status: init.status ?? "idle",
    description: "",
    ephemeral: init.ephemeral ?? false,
    owner_id: init.owner_id ?? 0,
    repo_id: init.repo_id ?? 0,
    ...init.extra,
  };
}

export interface JobInit {
  id: number;
  run_id: number;
  repo_id: number;
  /** @default `job-<id>` */
  name?: string;
  /** @default ["docker"] */
  runs_on?: string[];
  /** `waiting` (no runner yet) or `running`. @default "waiting" */
  status?: string;
  owner_id?: number;
  extra?: ForgejoObject;
}

/** A job of a run (`ActionRunJob`), waiting for a runner unless `status` says otherwise. */
export function waitingJob(init: JobInit): ForgejoJob {
  const status = init.status ?? "waiting";
  return {
    id: init.id,
    attempt: 1,
    handle: `handle-${init.id}`,
    name: init.name ?? `job-${init.id}`,
    needs: [],
    owner_id: init.owner_id ?? 0,
    repo_id: init.repo_id,
    run_id: init.run_id,
    runs_on: init.runs_on ?? ["docker"],
    status,
    task_id: status === "waiting" ? 0 : init.id + 1000,
    ...init.extra,
  };
}

/** A user (or organisation) as `Repository.owner` embeds it. */
export function user(id: number, login: string): ForgejoUser {
  return {
    id, login, login_name: "", source_id: 0, full_name: "", email: `${login}@noreply.code.example.org`, avatar_url: `${FAKE_WEB}/avatars/${id}`,
    html_url: `${FAKE_WEB}/${login}`, language: "", is_admin: false, last_login: "0001-01-01T00:00:00Z", created: T0, restricted: false, active: false,
    prohibit_login: false, location: "", pronouns: "", website: "", description: "", visibility: "public", followers_count: 0, following_count: 0, starred_repos_count: 0,
  };
}

export interface RepositoryInit {
  id: number;
  /** The owner's login. */
  owner: string;
  name: string;
  /** @default the repository id + 1000 */
  owner_id?: number;
  extra?: ForgejoObject;
}

/** A repository (`Repository`). */
export function repository(init: RepositoryInit): ForgejoRepository {
  const full = `${init.owner}/${init.name}`;
  return {
    id: init.id,
    owner: user(init.owner_id ?? init.id + 1000, init.owner),
    name: init.name,
    full_name: full,
    description: "",
    empty: false,
    private: true,
    fork: false,
    template: false,
    mirror: false,
    size: 100,
    language: "",
    languages_url: `${FAKE_WEB}/api/v1/repos/${full}/languages`,
    html_url: `${FAKE_WEB}/${full}`,
    url: `${FAKE_WEB}/api/v1/repos/${full}`,
    link: "",
    ssh_url: `ssh://git@code.example.org/${full}.git`,
    clone_url: `${FAKE_WEB}/${full}.git`,
    original_url: "",
    website: "",
    stars_count: 0,
    forks_count: 0,
    watchers_count: 1,
    open_issues_count: 0,
    open_pr_counter: 0,
    release_counter: 0,
    default_branch: "main",
    archived: false,
    created_at: T0,
    updated_at: T0,
    archived_at: "1970-01-01T00:00:00Z",
    permissions: { admin: true, push: true, pull: true },
    has_issues: true,
    has_wiki: true,
    has_pull_requests: true,
    has_projects: true,
    has_releases: true,
    has_packages: true,
    has_actions: true,
    internal: false,
    mirror_interval: "",
    object_format_name: "sha1",
    topics: [],
    ...init.extra,
  };
}

export interface RunInit {
  id: number;
  repository: ForgejoRepository;
  /** @default `run <id>` */
  title?: string;
  /** When the run was queued (RFC 3339). @default "2026-05-01T10:00:00Z" */
  created?: string;
  /** @default "waiting" */
  status?: string;
  /** The workflow file. @default "ci.yml" */
  workflow_id?: string;
  extra?: ForgejoObject;
}

/** A workflow run (`ActionRun`). */
export function run(init: RunInit): ForgejoRun {
  const created = init.created ?? T0;
  return {
    id: init.id,
    title: init.title ?? `run ${init.id}`,
    repository: init.repository,
    trigger_user: init.repository.owner,
    workflow_id: init.workflow_id ?? "ci.yml",
    index_in_repo: init.id,
    trigger_event: "push",
    event: "push",
    event_payload: "{}",
    commit_sha: "0123456789abcdef0123456789abcdef01234567",
    prettyref: "main",
    is_ref_deleted: false,
    is_fork_pull_request: false,
    need_approval: false,
    approved_by: 0,
    ScheduleID: 0,
    status: init.status ?? "waiting",
    created,
    updated: created,
    started: "0001-01-01T00:00:00Z",
    stopped: "0001-01-01T00:00:00Z",
    duration: 0,
    html_url: `${init.repository.html_url}/actions/runs/${init.id}`,
    ...init.extra,
  };
}
