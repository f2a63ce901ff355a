/**
 * The forge axis: where a runner registers. A forge knows how runners register (tokens, JIT
 * configurations, one-job runners), how it reads labels and which labels its runner program adds
 * itself. Each forge is implemented once here; substrates (`substrate.ts`) place runners of any
 * forge they support. GitHub Enterprise Server is the GitHub forge at another base URL.
 */
import type { ConfigIssue } from "./issues.ts";
import { parseRunnerLabel, RUNNER_LABEL_FIX } from "./runner-label.ts";

export const FORGE_KINDS = ["github", "forgejo"] as const;
export type ForgeKind = (typeof FORGE_KINDS)[number];

/**
 * How a runner obtains its registration:
 * - `registration-token`: a token (minted by an administrator or the deployment) registers a
 *   persistent runner that takes job after job;
 * - `jit-config`: a just-in-time configuration minted for one runner name registers a runner for
 *   exactly one job, with no token on the machine;
 * - `ephemeral`: a registration token registers a runner that leaves after one job.
 */
export const REGISTRATION_MODES = ["registration-token", "jit-config", "ephemeral"] as const;
export type RegistrationMode = (typeof REGISTRATION_MODES)[number];

export interface ForgeContract<K extends ForgeKind = ForgeKind> {
  readonly kind: K;
  /** The forge's name in messages and docs. */
  readonly title: string;
  /** The public instance, when there is one (GitHub Enterprise Server and Forgejo are set by URL). */
  readonly defaultUrl?: string;
  /** Registration modes this forge offers. */
  readonly registrations: readonly RegistrationMode[];
  /** Labels the runner program adds itself (unless told not to); workflows may target them. */
  readonly implicitLabels: readonly string[];
  /** Why one configured label is not one this forge's runner accepts, or undefined. */
  labelProblem(label: string): string | undefined;
  /** How to write a label: the fix of every label problem. */
  readonly labelFix: string;
  /** The name a workflow's `runs-on` matches for a configured label. */
  labelName(label: string): string;
  /** The form under which two labels are the same to the forge (GitHub ignores case). */
  labelKey(label: string): string;
}

/** GitHub's labels: 1-255 characters, no commas or whitespace, compared without case. */
const GITHUB: ForgeContract<"github"> = {
  kind: "github",
  title: "GitHub",
  defaultUrl: "https://github.com",
  registrations: ["registration-token", "jit-config", "ephemeral"],
  implicitLabels: ["self-hosted", "linux"],
  labelProblem(v) {
    if (v === "") return "is empty";
    if (v.length > 255) return "is longer than 255 characters";
    if (/\p{Cc}/u.test(v)) return "contains a control character";
    if (/[\s,]/u.test(v)) return `"${v}" contains a comma or whitespace`;
    return undefined;
  },
  labelFix: "give each label as its own list item, 1-255 characters, without commas or whitespace",
  labelName: (v) => v,
  labelKey: (v) => v.toLowerCase(),
};

/** Forgejo's labels: `name:docker://<image>` or `name:host`; workflows match the name. */
const FORGEJO: ForgeContract<"forgejo"> = {
  kind: "forgejo",
  title: "Forgejo",
  registrations: ["registration-token", "ephemeral"],
  implicitLabels: [],
  labelProblem(v) {
    const p = parseRunnerLabel(v);
    return typeof p === "string" ? `"${v}" ${p}` : undefined;
  },
  labelFix: RUNNER_LABEL_FIX,
  labelName: (v) => v.slice(0, v.includes(":") ? v.indexOf(":") : v.length),
  labelKey: (v) => v.slice(0, v.includes(":") ? v.indexOf(":") : v.length),
};

/** Every forge, by kind. Adding a forge means adding a kind above and its contract here. */
export const FORGES: { readonly [K in ForgeKind]: ForgeContract<K> } = { github: GITHUB, forgejo: FORGEJO };

/** Maximum labels of one runner. */
export const MAX_RUNNER_LABELS = 100;

/** Every problem with a runner's labels as `forge` reads them: each label's shape, then repeats. */
export function forgeLabelIssues(forge: ForgeKind, labels: readonly string[], at: string): ConfigIssue[] {
  const f: ForgeContract = FORGES[forge];
  return labelListIssues(forge, labels, at, (l) => f.labelProblem(l), f.labelFix);
}

/** Every problem with labels as a job's `runs-on` names them (a pool's labels): each name's shape, then repeats. */
export function runsOnLabelIssues(forge: ForgeKind, labels: readonly string[], at: string): ConfigIssue[] {
  return labelListIssues(forge, labels, at, (l) => runsOnNameProblem(forge, l), "give each label name as runs-on writes it: 1-255 characters, without commas or whitespace (nor colons for Forgejo)");
}

function labelListIssues(forge: ForgeKind, labels: readonly string[], at: string, problemOf: (label: string) => string | undefined, fix: string): ConfigIssue[] {
  const f: ForgeContract = FORGES[forge];
  const issues: ConfigIssue[] = [];
  if (labels.length > MAX_RUNNER_LABELS) issues.push({ path: at, message: `lists more than ${MAX_RUNNER_LABELS} labels`, fix: `keep at most ${MAX_RUNNER_LABELS} labels per runner` });
  const seen = new Map<string, number>();
  labels.forEach((l, i) => {
    const problem = problemOf(l);
    if (problem !== undefined) {
      issues.push({ path: `${at}[${i}]`, message: problem, fix });
      return;
    }
    const key = f.labelKey(l);
    const first = seen.get(key);
    if (first !== undefined) {
      issues.push({ path: `${at}[${i}]`, message: `"${l}" is listed twice${forge === "github" ? " (GitHub compares labels without case)" : ` (as ${at}[${first}])`}`, fix: "list each label once" });
    } else seen.set(key, i);
  });
  return issues;
}

/** Why `name` cannot be a label name that a workflow's `runs-on` gives for runners of `forge`. */
export function runsOnNameProblem(forge: ForgeKind, name: string): string | undefined {
  switch (forge) {
    case "github":
      return GITHUB.labelProblem(name);
    case "forgejo":
      // A Forgejo label's name is what precedes its execution kind: it holds no colon.
      return GITHUB.labelProblem(name) ?? (name.includes(":") ? `"${name}" contains a colon (give the name before ":host" or ":docker://")` : undefined);
    default:
      return forge satisfies never;
  }
}

/**
 * The labels a job's `runs-on` can match for runners registered with `labels`: the forge's implicit
 * labels, then `implicit` (e.g. the architecture the runner reports), then each configured label's
 * name, each once as the forge compares them.
 */
export function runsOnLabels(forge: ForgeKind, labels: readonly string[], implicit: readonly string[] = []): string[] {
  const f: ForgeContract = FORGES[forge];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const label of [...f.implicitLabels, ...implicit, ...labels.map((l) => f.labelName(l))]) {
    const key = f.labelKey(label);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(label);
  }
  return out;
}
