/**
 * Reads a workflow file into plain data plus the line of every key, so that findings point at
 * the line to change. Invalid YAML and files that are not workflows become findings, not crashes.
 */
import { isMap, isScalar, type Document, type LineCounter } from "yaml";
import { describeValue } from "../../model/input-excerpt.ts";
import { loadYaml, type LoadedYaml, type YamlLimits } from "../../model/load-yaml.ts";
import type { Forge } from "../../model/profile-schema.ts";
import { isRecord } from "../../model/refine.ts";
import type { GuardFinding } from "./finding.ts";

/** A workflow file as the guard receives it. */
export interface WorkflowFile {
  /** Path shown in findings (relative to the working directory is best). */
  readonly path: string;
  readonly text: string;
  /** Forge that runs it; from the path when absent (see {@link forgeOfPath}). */
  readonly forge?: Forge;
  /**
   * The repository it belongs to, as shown (its root directory); local `uses: ./…` calls resolve
   * among the files of the same repository. @default worked out from `path` (the part before `.github/workflows/`)
   */
  readonly repository?: string;
  /** Its path inside that repository, e.g. `.github/workflows/ci.yml`. @default worked out from `path` */
  readonly repoPath?: string;
}

export interface WorkflowJob {
  readonly id: string;
  /** Line of the job's key. */
  readonly line: number;
  /** Last line of the job's body. */
  readonly endLine: number;
  readonly body: Readonly<Record<string, unknown>>;
}

export interface ParsedWorkflow {
  readonly file: string;
  readonly forge: Forge;
  readonly doc: Readonly<Record<string, unknown>>;
  readonly jobs: readonly WorkflowJob[];
  /** Line of the value at `path`, or of its nearest ancestor that exists. */
  lineOf(path: readonly (string | number)[]): number;
  /** The parsed YAML document (within the limits), for readers that walk it again. */
  readonly yaml?: { readonly doc: Document; readonly lineCounter: LineCounter };
}

/** `.forgejo/workflows/` and `.gitea/workflows/` hold Forgejo workflows; everything else is GitHub's. */
export function forgeOfPath(path: string): Forge {
  return /(^|[\\/])\.(forgejo|gitea)[\\/]workflows([\\/]|$)/.test(path) ? "forgejo" : "github";
}

/**
 * Sizes past which a workflow file is not checked (a finding says so). Real workflows are a few
 * KiB with a few levels of nesting; the limits stop input that would make the guard slow.
 */
export const WORKFLOW_LIMITS = {
  /** Characters (bytes, when read from disk) of one file. */
  bytes: 4 << 20,
  /** Nesting of lists and mappings. */
  depth: 64,
  /** YAML aliases (`*name`) in one file. */
  aliases: 1000,
  /** Copies aliases may make while the file is turned into data. */
  aliasExpansion: 1000,
  /** Values in one file (after alias expansion). */
  nodes: 500_000,
  /** Jobs in one workflow. */
  jobs: 1000,
} as const;

const YAML_LIMITS: YamlLimits = { depth: WORKFLOW_LIMITS.depth, aliases: WORKFLOW_LIMITS.aliases, aliasExpansion: WORKFLOW_LIMITS.aliasExpansion, nodes: WORKFLOW_LIMITS.nodes };

export interface ParseResult {
  readonly workflow?: ParsedWorkflow;
  readonly findings: GuardFinding[];
  /**
   * Whether the text may be given to actionlint: false for YAML that does not parse and for files
   * past {@link WORKFLOW_LIMITS} (they are reported once, by the guard).
   */
  readonly lintable: boolean;
}

/** Parses one workflow; on failure returns the findings that explain why. Never throws. */
export function parseWorkflow(file: WorkflowFile): ParseResult {
  const fileFinding = (rule: "yaml-syntax" | "workflow-shape", line: number, message: string, fix: string, column?: number): GuardFinding => ({
    file: file.path,
    line,
    ...(column === undefined ? {} : { column }),
    job: "",
    rule,
    message,
    fix,
  });
  if (file.text.length > WORKFLOW_LIMITS.bytes) {
    return {
      lintable: false,
      findings: [fileFinding("workflow-shape", 1, `the file is ${file.text.length} characters long, more than the ${WORKFLOW_LIMITS.bytes} the guard reads, so none of its jobs can be checked`, "split it into several workflows (reusable workflows help), or move a file that is not a workflow out of the workflows directory")],
    };
  }
  const loaded = loadYaml(file.text, YAML_LIMITS, "a workflow");
  if (!loaded.ok) {
    return {
      lintable: false,
      findings: loaded.problems.map((p) =>
        p.detail !== undefined
          ? fileFinding("yaml-syntax", p.line, `the workflow is not valid YAML, so none of its jobs can be checked: ${p.detail}`, `correct the YAML at line ${p.line} (yamllint ${file.path} shows the same problem)`, p.column)
          : fileFinding(p.kind === "syntax" || p.kind === "duplicate-key" || p.kind === "aliases" ? "yaml-syntax" : "workflow-shape", p.line, `the workflow ${p.message}, so none of its jobs can be checked`, p.fix, p.column),
      ),
    };
  }
  const { doc, lineCounter, data } = loaded as Extract<LoadedYaml, { ok: true }>;
  const line = (offset: number) => lineCounter.linePos(offset);
  const jobsNode = isMap(doc.contents) ? doc.contents.get("jobs", true) : undefined;
  if (!isRecord(data) || !isRecord(data["jobs"]) || !isMap(jobsNode)) {
    return {
      lintable: true,
      findings: [{
        file: file.path,
        line: 1,
        job: "",
        rule: "workflow-shape",
        message: `the file has ${!isRecord(data) ? `${describeValue(data)} at the top instead of a mapping, and so ` : ""}no \`jobs\` mapping, so no job can be checked`,
        fix: "give the workflow `on:` triggers and a `jobs:` mapping of job ids, or move the file out of the workflows directory",
      }],
    };
  }
  if (jobsNode.items.length > WORKFLOW_LIMITS.jobs) {
    return {
      lintable: false,
      findings: [fileFinding("workflow-shape", lineCounter.linePos(jobsNode.range?.[0] ?? 0).line, `the workflow has ${jobsNode.items.length} jobs, more than the ${WORKFLOW_LIMITS.jobs} the guard checks, so none of its jobs can be checked`, "split it into several workflows, or generate fewer jobs (a matrix or reusable workflows)")],
    };
  }
  const lineOf = lineFinder(doc, lineCounter);
  const jobsData = data["jobs"];
  const jobs: WorkflowJob[] = [];
  for (const pair of jobsNode.items) {
    const id = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const body = Object.hasOwn(jobsData, id) ? jobsData[id] : undefined;
    const keyRange = (pair.key as { range?: [number, number, number] } | null)?.range;
    const valueRange = (pair.value as { range?: [number, number, number] } | null)?.range;
    const start = keyRange ? line(keyRange[0]).line : lineOf(["jobs"]);
    const end = valueRange ? line(Math.max(valueRange[0], valueRange[1] - 1)).line : start;
    jobs.push({ id, line: start, endLine: end, body: isRecord(body) ? body : {} });
  }
  return { lintable: true, workflow: { file: file.path, forge: file.forge ?? forgeOfPath(file.path), doc: data, jobs, lineOf, yaml: { doc, lineCounter } }, findings: [] };
}

function lineFinder(doc: Document, lc: LineCounter) {
  return (path: readonly (string | number)[]): number => {
    for (let n = path.length; n > 0; n--) {
      const parent = n === 1 ? doc.contents : doc.getIn(path.slice(0, n - 1), true);
      const key = path[n - 1];
      if (isMap(parent)) {
        const pair = parent.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === key);
        const range = (pair?.key as { range?: [number, number, number] } | null)?.range;
        if (range) return lc.linePos(range[0]).line;
      }
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return lc.linePos(node.range[0]).line;
    }
    return 1;
  };
}
