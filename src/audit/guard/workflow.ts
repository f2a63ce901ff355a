/**
 * Reads a workflow file into plain data plus the line of every key, so that findings point at
 * the line to change. Invalid YAML and files that are not workflows become findings, not crashes.
 */
import { isMap, isScalar, LineCounter, parseDocument, type Document } from "yaml";
import type { Forge } from "../../model/profiles.ts";
import type { GuardFinding } from "./finding.ts";

/** A workflow file as the guard receives it. */
export interface WorkflowFile {
  /** Path shown in findings (relative to the working directory is best). */
  readonly path: string;
  readonly text: string;
  /** Forge that runs it; from the path when absent (see {@link forgeOfPath}). */
  readonly forge?: Forge;
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
}

/** `.forgejo/workflows/` and `.gitea/workflows/` hold Forgejo workflows; everything else is GitHub's. */
export function forgeOfPath(path: string): Forge {
  return /(^|[\\/])\.(forgejo|gitea)[\\/]workflows([\\/]|$)/.test(path) ? "forgejo" : "github";
}

export const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** Parses one workflow; on failure returns the findings that explain why. */
export function parseWorkflow(file: WorkflowFile): { workflow?: ParsedWorkflow; findings: GuardFinding[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(file.text, { lineCounter, prettyErrors: false });
  const line = (offset: number) => lineCounter.linePos(offset);
  if (doc.errors.length > 0) {
    return {
      findings: doc.errors.map((e) => {
        const pos = line(e.pos[0]);
        return {
          file: file.path,
          line: pos.line,
          column: pos.col,
          job: "",
          rule: "yaml-syntax",
          message: `the workflow is not valid YAML, so none of its jobs can be checked: ${e.message.split("\n")[0] ?? e.code}`,
          fix: `correct the YAML at line ${pos.line} (yamllint ${file.path} shows the same problem)`,
        };
      }),
    };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    return { findings: [{ file: file.path, line: 1, job: "", rule: "yaml-syntax", message: `the workflow cannot be read as data, so none of its jobs can be checked: ${(e as Error).message}`, fix: "remove excessive or circular YAML aliases" }] };
  }
  const jobsNode = isMap(doc.contents) ? doc.contents.get("jobs", true) : undefined;
  if (!isRecord(data) || !isRecord(data["jobs"]) || !isMap(jobsNode)) {
    return {
      findings: [{
        file: file.path,
        line: 1,
        job: "",
        rule: "workflow-shape",
        message: "the file has no `jobs` mapping, so no job can be checked",
        fix: "give the workflow `on:` triggers and a `jobs:` mapping of job ids, or move the file out of the workflows directory",
      }],
    };
  }
  const lineOf = lineFinder(doc, lineCounter);
  const jobsData = data["jobs"];
  const jobs: WorkflowJob[] = [];
  for (const pair of jobsNode.items) {
    const id = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const body = jobsData[id];
    const keyRange = (pair.key as { range?: [number, number, number] } | null)?.range;
    const valueRange = (pair.value as { range?: [number, number, number] } | null)?.range;
    const start = keyRange ? line(keyRange[0]).line : lineOf(["jobs"]);
    const end = valueRange ? line(Math.max(valueRange[0], valueRange[1] - 1)).line : start;
    jobs.push({ id, line: start, endLine: end, body: isRecord(body) ? body : {} });
  }
  return { workflow: { file: file.path, forge: file.forge ?? forgeOfPath(file.path), doc: data, jobs, lineOf }, findings: [] };
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
