/**
 * The expression contexts of a run that someone outside the project starts: what GitHub puts in
 * `github.*` for each event when the person is not a member, owner or collaborator of the
 * repository. Facts are fixed (a fork's pull request comes from a fork, has no labels until a
 * maintainer adds them, is not merged; the author association is one an outsider can have; a
 * `pull_request` run from a fork gets empty secrets); what the outsider writes is theirs to choose;
 * the rest is unknown until the run.
 */
import { Choice, OPEN, Unknown, type Open } from "./expression.ts";

/**
 * Events through which people outside the project start a workflow: pull requests and their
 * reviews run a fork's code; the others run the base repository's workflow on input an outsider
 * wrote (an issue, a comment, a star) and may check out the fork's code.
 */
export const OUTSIDER_EVENTS: readonly string[] = [
  "pull_request",
  "pull_request_target",
  "pull_request_review",
  "pull_request_review_comment",
  "issue_comment",
  "issues",
  "discussion",
  "discussion_comment",
  "workflow_run",
  "fork",
  "watch",
];

/** Events whose run checks out the pull request's merge commit: the fork's code runs whatever the workflow does. */
export const FORK_CODE_EVENTS: ReadonlySet<string> = new Set(["pull_request", "pull_request_review", "pull_request_review_comment"]);

/** Activity types only people with triage or write access cause (an outsider cannot label or assign). */
const MAINTAINER_TYPES = new Set(["labeled", "unlabeled", "assigned", "unassigned", "milestoned", "demilestoned", "locked", "unlocked", "pinned", "unpinned", "transferred", "review_requested", "review_request_removed", "auto_merge_enabled", "auto_merge_disabled", "enqueued", "dequeued", "category_changed", "answered", "unanswered", "converted_to_draft_by_maintainer", "dismissed"]);

/** Default activity types (when `types:` is not given) that an outsider's action causes. */
const DEFAULT_TYPES: Readonly<Record<string, readonly string[]>> = {
  pull_request: ["opened", "synchronize", "reopened"],
  pull_request_target: ["opened", "synchronize", "reopened"],
  pull_request_review: ["submitted", "edited", "dismissed"],
  pull_request_review_comment: ["created", "edited", "deleted"],
  issue_comment: ["created", "edited", "deleted"],
  issues: ["opened", "edited", "deleted", "closed", "reopened"],
  discussion: ["created", "edited", "deleted"],
  discussion_comment: ["created", "edited", "deleted"],
  workflow_run: ["requested", "completed", "in_progress"],
  fork: [],
  watch: ["started"],
};

/** The activity types of `event` an outsider can cause, given the workflow's `types:` filter. */
export function outsiderTypes(event: string, types: readonly string[] | undefined): string[] {
  return (types ?? DEFAULT_TYPES[event] ?? []).filter((t) => !MAINTAINER_TYPES.has(t));
}

/** Whether outsiders can cause the event at all (some activity type they can cause is listed). */
export function outsiderCanStart(event: string, types: readonly string[] | undefined): boolean {
  return OUTSIDER_EVENTS.includes(event) && (event === "fork" || types === undefined || outsiderTypes(event, types).length > 0);
}

/** Author associations of someone who is not an owner, member or collaborator. */
const OUTSIDER_ASSOCIATIONS = ["NONE", "FIRST_TIMER", "FIRST_TIME_CONTRIBUTOR", "CONTRIBUTOR", "MANNEQUIN"];

const outsider = (what: string) => new Unknown("outsider", what);
const outsiderId = (what: string) => new Unknown("outsider", what, "outsider-login");
const forkName = (what: string) => new Unknown("outsider", what, "outsider-repo");
const repo = (what: string) => new Unknown("repository", what, "repository");
const repoOwner = (what: string) => new Unknown("repository", what, "repository-owner");
const repoRef = (what: string) => new Unknown("repository", what, "repository-ref");
/**
 * Who GitHub names as the actor of an outsider's run: the outsider, or Dependabot when the outsider
 * has it push to their fork's branch (`@dependabot recreate`), so `github.actor == 'dependabot[bot]'`
 * is no gate.
 */
const actor = (what: string) => new Choice([outsiderId(what), "dependabot[bot]"], "outsider", what);
const open = <T extends object>(path: string, fields: T, value?: unknown): T & Open => ({ ...fields, [OPEN]: value === undefined ? { path } : { path, value } });

function user(path: string) {
  return open(path, { login: outsiderId(`${path}.login`), type: "User" });
}

function repository(path: string) {
  return open(path, { full_name: repo(`${path}.full_name`), name: repo(`${path}.name`), owner: open(`${path}.owner`, { login: repoOwner(`${path}.owner.login`) }), default_branch: repoRef(`${path}.default_branch`), fork: false });
}

function forkRepository(path: string) {
  return open(path, { full_name: forkName(`${path}.full_name`), name: outsider(`${path}.name`), owner: user(`${path}.owner`), fork: true });
}

const association = (path: string) => new Choice(OUTSIDER_ASSOCIATIONS, "outsider", path);

/**
 * Labels of an outsider's pull request: none when it is opened (only maintainers label); after
 * that, whatever a maintainer added, which stays on through the fork's later pushes.
 */
const labels = (path: string, actions: readonly string[]) => (actions.every((a) => a === "opened") ? [] : new Unknown("outsider", `${path} (a label a maintainer added stays on through the fork's later pushes)`));

function pullRequest(path: string, actions: readonly string[]) {
  return open(path, {
    number: new Unknown("runtime", `${path}.number`),
    title: outsider(`${path}.title`),
    body: outsider(`${path}.body`),
    draft: new Choice([true, false], "outsider", `${path}.draft`),
    merged: false,
    state: "open",
    labels: labels(`${path}.labels`, actions),
    user: user(`${path}.user`),
    author_association: association(`${path}.author_association`),
    head: open(`${path}.head`, { repo: forkRepository(`${path}.head.repo`), ref: outsider(`${path}.head.ref`), sha: outsider(`${path}.head.sha`), label: outsider(`${path}.head.label`), user: user(`${path}.head.user`) }),
    merge_commit_sha: outsider(`${path}.merge_commit_sha`),
    base: open(`${path}.base`, { repo: repository(`${path}.base.repo`), ref: repoRef(`${path}.base.ref`), sha: repoRef(`${path}.base.sha`) }),
  });
}

function comment(path: string) {
  return open(path, { body: outsider(`${path}.body`), user: user(`${path}.user`), author_association: association(`${path}.author_association`) });
}

/** `github.event` of an outsider's event. */
function eventPayload(event: string, actions: readonly string[], runEvents: readonly string[]): Record<string, unknown> {
  const base = { action: actions.length > 0 ? new Choice(actions, "outsider", "github.event.action") : null, sender: user("github.event.sender"), repository: repository("github.event.repository") };
  switch (event) {
    case "pull_request":
    case "pull_request_target":
      return open("github.event", { ...base, pull_request: pullRequest("github.event.pull_request", actions), number: new Unknown("runtime", "github.event.number"), label: null });
    case "pull_request_review":
      return open("github.event", { ...base, pull_request: pullRequest("github.event.pull_request", actions), review: open("github.event.review", { ...comment("github.event.review"), state: new Choice(["commented", "approved", "changes_requested"], "outsider", "github.event.review.state") }) });
    case "pull_request_review_comment":
      return open("github.event", { ...base, pull_request: pullRequest("github.event.pull_request", actions), comment: comment("github.event.comment") });
    case "issue_comment":
      return open("github.event", { ...base, comment: comment("github.event.comment"), issue: open("github.event.issue", { number: new Unknown("runtime", "github.event.issue.number"), pull_request: outsider("github.event.issue.pull_request") }) });
    case "issues":
      return open("github.event", { ...base, issue: open("github.event.issue", { title: outsider("github.event.issue.title"), body: outsider("github.event.issue.body"), user: user("github.event.issue.user"), author_association: association("github.event.issue.author_association"), labels: labels("github.event.issue.labels", actions), pull_request: null }) });
    case "discussion":
      return open("github.event", { ...base, discussion: open("github.event.discussion", { title: outsider("github.event.discussion.title"), body: outsider("github.event.discussion.body"), user: user("github.event.discussion.user"), author_association: association("github.event.discussion.author_association") }) });
    case "discussion_comment":
      return open("github.event", { ...base, comment: comment("github.event.comment"), discussion: open("github.event.discussion", {}) });
    case "workflow_run":
      return open("github.event", {
        ...base,
        workflow_run: open("github.event.workflow_run", {
          event: runEvents.length > 0 ? new Choice(runEvents, "outsider", "github.event.workflow_run.event") : outsider("github.event.workflow_run.event"),
          head_repository: forkRepository("github.event.workflow_run.head_repository"),
          // The outsider's own run decides how it ends.
          conclusion: new Choice(["success", "failure", "cancelled", "skipped", "neutral", "timed_out", "action_required"], "outsider", "github.event.workflow_run.conclusion"),
          head_branch: outsider("github.event.workflow_run.head_branch"),
          head_sha: outsider("github.event.workflow_run.head_sha"),
          head_commit: outsider("github.event.workflow_run.head_commit"),
          actor: user("github.event.workflow_run.actor"),
          triggering_actor: user("github.event.workflow_run.triggering_actor"),
        }),
      });
    case "fork":
      return open("github.event", { ...base, forkee: forkRepository("github.event.forkee") });
    default:
      return open("github.event", base);
  }
}

export interface OutsiderRun {
  readonly event: string;
  /** Activity types of the event an outsider can cause. */
  readonly actions: readonly string[];
  /** For `workflow_run`: the outsiders' events of the workflows it follows. */
  readonly runEvents?: readonly string[];
}

/** `github` of a run an outsider starts. */
export function outsiderGithub(run: OutsiderRun): Record<string, unknown> {
  const forkCode = FORK_CODE_EVENTS.has(run.event) || run.event === "pull_request_target";
  return open("github", {
    event_name: run.event,
    event: eventPayload(run.event, run.actions, run.runEvents ?? []),
    repository: repo("github.repository"),
    actor: actor("github.actor"),
    triggering_actor: actor("github.triggering_actor"),
    ref: FORK_CODE_EVENTS.has(run.event) ? "refs/pull/0/merge" : repoRef("github.ref"),
    ref_name: FORK_CODE_EVENTS.has(run.event) ? "0/merge" : repoRef("github.ref_name"),
    head_ref: forkCode ? outsider("github.head_ref") : "",
    base_ref: forkCode ? repoRef("github.base_ref") : "",
    repository_owner: repoOwner("github.repository_owner"),
    ref_type: "branch",
  });
}

/** `secrets` of the run: empty for a fork's `pull_request` runs (GitHub passes none but GITHUB_TOKEN). */
export function outsiderSecrets(event: string): unknown {
  return FORK_CODE_EVENTS.has(event) ? open("secrets", { GITHUB_TOKEN: new Unknown("runtime", "secrets.GITHUB_TOKEN") }, "") : new Unknown("runtime", "secrets");
}

const MAINTAINERS = `fromJSON('["OWNER","MEMBER","COLLABORATOR"]')`;

/** The gate that keeps outsiders' runs of `event` out, as an `if:` (or a needs: on a permission check). */
function gateFor(event: string): string {
  if (event === "issue_comment" || event === "discussion_comment" || event === "pull_request_review_comment") return `if: contains(${MAINTAINERS}, github.event.comment.author_association)`;
  if (event === "issues") return `if: contains(${MAINTAINERS}, github.event.issue.author_association)`;
  if (event === "discussion") return `if: contains(${MAINTAINERS}, github.event.discussion.author_association)`;
  if (event === "workflow_run") return "if: github.event.workflow_run.head_repository.full_name == github.repository";
  if (event.startsWith("pull_request")) return "if: github.event.pull_request.head.repo.full_name == github.repository";
  return "needs: a job that checks the actor's permission";
}

/** A gate for each of the events, as a fix names it: `for pull_request: if: …; for issues: if: …`. */
export function gateSuggestion(events: readonly string[]): string {
  const byGate = new Map<string, string[]>();
  for (const e of new Set(events)) byGate.set(gateFor(e), [...(byGate.get(gateFor(e)) ?? []), e]);
  return [...byGate].map(([gate, es]) => (byGate.size === 1 ? gate : `for ${es.join(", ")}: ${gate}`)).join("; ");
}
