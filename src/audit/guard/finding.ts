/** What the workflow guard reports, and the plain renderings of a finding. */
import { inputExcerpt } from "../../model/input-excerpt.ts";

/** The guard's own rules; actionlint's come as `actionlint:<kind>`. */
export const GUARD_RULES = {
  "yaml-syntax": "the workflow file is not valid YAML",
  "workflow-shape": "the file is not a workflow the guard can check (no jobs mapping, or past the guard's size and nesting limits)",
  unreadable: "a workflow file that cannot be read: permissions, a dangling or looping symbolic link, not a regular file",
  "file-name": "a workflow file whose name is not valid UTF-8",
  "runner-unserved": "a self-hosted runs-on label set that no profile serves",
  "runs-on-unresolvable": "(note) a runs-on that is not decidable statically, with the labels it may ask for",
  "untrusted-trigger": "a job outsiders can start with their code that may land on a runner not safe for them",
  "gate-unverified": "(note) a job outsiders' runs reach unless a condition the guard cannot decide holds",
  "uses-unresolved": "a local uses: ./.github/workflows/… that is not a reusable workflow of the same repository",
  "workflow-refused": "a workflow GitHub's own parser refuses, so none of its jobs run",
  concurrency: "a self-hosted job whose runs pile up: no concurrency group bounds them",
  "max-parallel": "a matrix job whose self-hosted runs at once exceed the serving profile's budget",
  "workflow-budget": "jobs of one workflow that may hold more runners of a profile at once than it allows",
} as const;

export type GuardRule = keyof typeof GUARD_RULES | `actionlint:${string}`;

export interface GuardFinding {
  /** Workflow file, as given to the guard. */
  readonly file: string;
  /** 1-based line of the offending key. */
  readonly line: number;
  /** 1-based column, when known. */
  readonly column?: number;
  /**
   * Job id; several joined by ", " for a finding about jobs together (`workflow-budget`); "" for
   * problems of the file itself (it could not be read as a workflow).
   */
  readonly job: string;
  readonly rule: GuardRule;
  /** What is wrong; names the job. */
  readonly message: string;
  /** How to fix it. */
  readonly fix: string;
  /** Profile the finding is about, when there is one (the first of `profiles`). */
  readonly profile?: string;
  /** Every profile the finding is about. */
  readonly profiles?: readonly string[];
  /** `note`: reported, but does not fail the guard (something not decidable statically). @default error */
  readonly severity?: "note";
}

/** `message Fix: fix`, the one-line text of a finding. */
export function findingText(f: GuardFinding): string {
  return `${f.message}. Fix: ${f.fix}`;
}

const escapeData = (s: string) => s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");

/** A GitHub Actions workflow command that shows the finding as an error annotation on the file. */
export function githubAnnotation(f: GuardFinding): string {
  const props = [`file=${escapeProperty(f.file)}`, `line=${f.line}`, ...(f.column === undefined ? [] : [`col=${f.column}`]), `title=${escapeProperty(`runner-fleet guard: ${f.rule}`)}`];
  return `::${f.severity === "note" ? "notice" : "error"} ${props.join(",")}::${escapeData(findingText(f))}`;
}

/** Orders findings by file, line, job and rule, so output is stable. */
export function sortFindings(findings: readonly GuardFinding[]): GuardFinding[] {
  return [...findings].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.job.localeCompare(b.job) || a.rule.localeCompare(b.rule) || a.message.localeCompare(b.message));
}

/** A job id as findings show it (in `job` and in messages): shortened, redacted, no control characters. */
export function jobName(id: string): string {
  return inputExcerpt(id, 100);
}

/**
 * A finding as it may be shown: nothing credential-shaped, no control characters, and bounded
 * length, whatever the workflow held. Findings pass through it before they leave the guard.
 */
export function safeFinding(f: GuardFinding): GuardFinding {
  return {
    ...f,
    job: f.job.split(", ").map(jobName).join(", "),
    message: inputExcerpt(f.message, 2000),
    fix: inputExcerpt(f.fix, 2000),
    ...(f.profile === undefined ? {} : { profile: inputExcerpt(f.profile, 100) }),
    ...(f.profiles === undefined ? {} : { profiles: f.profiles.map((p) => inputExcerpt(p, 100)) }),
  };
}
