/**
 * `runner-fleet diff <stack-dir> --against <manifest.yaml>`: renders a stack offline and reports
 * how a manifest (a `kubectl get -o yaml` export of the cluster, or the plain manifests that
 * existed before Pulumi) differs from it. Exit 0 no drift, 1 drift, 2 bad usage or input.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { Command } from "commander";
import { LineCounter, isMap, isNode, isSeq, parseAllDocuments } from "yaml";
import type { DriftReport, KubeObject } from "../audit/diff/index.ts";
import { diffManifests, formatDriftReport, formatObjectRef, kubeObjectProblem, objectKey, objectRef } from "../audit/diff/index.ts";
import { CliError, EXIT, printJson, collect, withProgress } from "./output.ts";
import type { RenderOptions } from "../offline/rendered.ts";
import { configFileOption, renderOptionsFrom, stackOption, type StackFlags } from "./stack-options.ts";

/** The part of `src/offline/render-stack.ts`'s RenderedStack the diff reads. */
export interface RenderedStackLike {
  readonly project: string;
  readonly stack: string;
  readonly resources: readonly {
    readonly type: string;
    readonly name: string;
    readonly custom: boolean;
    readonly inputs: Readonly<Record<string, unknown>>;
  }[];
}

export type RenderStackFn = (stackDir: string, opts: RenderOptions) => Promise<RenderedStackLike>;

/** Stack resources that cannot be diffed as Kubernetes objects, with the reason. */
export interface StackObjects {
  readonly objects: KubeObject[];
  readonly skipped: string[];
}

/** A `kind: List` (or a typed list such as `DeploymentList`) as its items; anything else as itself. */
function expandList(value: unknown): { items: unknown[]; isList: boolean } {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return { items: [value], isList: false };
  const v = value as Record<string, unknown>;
  const kind = v["kind"];
  const items = v["items"];
  if (typeof kind !== "string" || !kind.endsWith("List") || !Array.isArray(items)) return { items: [value], isList: false };
  // Items of typed lists straight from the API carry no apiVersion/kind of their own.
  const itemKind = kind === "List" ? undefined : kind.slice(0, -"List".length);
  return {
    isList: true,
    items: items.map((item: unknown) => {
      if (itemKind === undefined || item === null || typeof item !== "object" || Array.isArray(item)) return item;
      const i = item as Record<string, unknown>;
      return { apiVersion: v["apiVersion"], kind: itemKind, ...i };
    }),
  };
}

/** The Kubernetes objects among a rendered stack's resources (provider resources excluded). */
export function kubernetesObjects(stack: RenderedStackLike): StackObjects {
  const objects: KubeObject[] = [];
  const skipped: string[] = [];
  for (const r of stack.resources) {
    if (!r.custom || !r.type.startsWith("kubernetes:") || r.type.startsWith("pulumi:providers:")) continue;
    for (const item of expandList(r.inputs).items) {
      const problem = kubeObjectProblem(item);
      if (problem === undefined) {
        objects.push(item as KubeObject);
      } else if (problem.startsWith("has no apiVersion") || problem.startsWith("has no kind")) {
        skipped.push(`${r.type} "${r.name}": not a single Kubernetes object (a Helm release or a group of manifests); compare its rendered objects instead`);
      } else if (problem === "has no metadata.name") {
        skipped.push(`${r.type} "${r.name}": ${problem}; give it an explicit metadata.name so it can be matched`);
      } else {
        skipped.push(`${r.type} "${r.name}": ${problem}`);
      }
    }
  }
  return { objects, skipped };
}

/** `--against -` reads the manifest from standard input (`kubectl get ... -o yaml | runner-fleet diff ...`). */
export const STDIN = "-";

function manifestText(path: string): string {
  if (path === STDIN) return readFileSync(0, "utf8");
  if (!existsSync(path)) {
    throw new CliError(`--against ${path}: no such file. Fix: pass a YAML manifest, e.g. one written by \`kubectl get deployment,configmap -n <namespace> -o yaml > live.yaml\`, or - to read standard input`);
  }
  if (statSync(path).isDirectory()) throw new CliError(`--against ${path}: is a directory. Fix: pass one YAML file (several documents or a kind: List)`);
  return readFileSync(path, "utf8");
}

/**
 * Reads every object of a YAML manifest (multi-document, `kind: List` expanded); problems name
 * file:line. `path` `-` reads standard input.
 */
export function readManifest(path: string): KubeObject[] {
  const text = manifestText(path);
  const file = path === STDIN ? "<stdin>" : path;
  const lineCounter = new LineCounter();
  // YAML 1.1, as kubectl reads it: an unquoted `yes` is a boolean, `0644` is octal.
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, version: "1.1" });
  const at = (offset: number | undefined) => {
    const { line, col } = lineCounter.linePos(offset ?? 0);
    return `${file}:${line}:${col}`;
  };
  const problems: string[] = [];
  const objects: KubeObject[] = [];
  const firstSeen = new Map<string, string>();
  docs.forEach((doc, d) => {
    for (const e of doc.errors) problems.push(`${at(e.pos[0])}: ${e.message}. Fix: correct the YAML syntax of document ${d + 1}`);
    if (doc.errors.length > 0 || doc.contents === null) return;
    const value: unknown = doc.toJS();
    // An empty document (a trailing `---`) holds nothing, as for kubectl.
    if (value === null) return;
    const { items, isList } = expandList(value);
    const itemNodes = isList && isMap(doc.contents) ? doc.contents.get("items", true) : undefined;
    items.forEach((item, i) => {
      const node = isSeq(itemNodes) ? itemNodes.items[i] : undefined;
      const offset = (isNode(node) ? node.range?.[0] : undefined) ?? doc.contents?.range[0];
      const what = isList ? `document ${d + 1}, items[${i}]` : `document ${d + 1}`;
      const problem = kubeObjectProblem(item);
      if (problem !== undefined) {
        problems.push(`${at(offset)}: ${what} ${problem}. Fix: every document must be a Kubernetes object with apiVersion, kind and metadata.name (or a kind: List of them)`);
        return;
      }
      const obj = item as KubeObject;
      const first = firstSeen.get(objectKey(obj));
      if (first !== undefined) {
        problems.push(`${at(offset)}: ${what} is ${formatObjectRef(objectRef(obj))} again (first at ${first}). Fix: keep one copy of each object`);
        return;
      }
      firstSeen.set(objectKey(obj), at(offset));
      objects.push(obj);
    });
  });
  if (problems.length > 0) throw new CliError(`${file} has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  return objects;
}

export interface RunDiffOptions {
  /** Field paths not to compare, e.g. `spec.replicas` when an autoscaler owns it. @default [] */
  readonly ignore?: readonly string[];
  /** How the text output names the desired side. @default "the stack" */
  readonly desiredLabel?: string;
}

export interface DiffOutcome {
  readonly report: DriftReport;
  /** The report as text, grouped by object. */
  readonly text: string;
  /** EXIT.ok without drift, EXIT.findings with drift. */
  readonly exitCode: number;
}

/** The diff without the renderer: desired objects against the manifest at `manifestPath`. */
export function runDiff(desired: readonly KubeObject[], manifestPath: string, opts: RunDiffOptions = {}): DiffOutcome {
  const actual = readManifest(manifestPath);
  const report = diffManifests(desired, actual, { ignore: opts.ignore ?? [] });
  const text = formatDriftReport(report, { desired: opts.desiredLabel ?? "the stack", actual: manifestPath === STDIN ? "standard input" : manifestPath });
  return { report, text, exitCode: report.drift ? EXIT.findings : EXIT.ok };
}

export interface DiffCommandDeps {
  /** Renders a stack offline. @default renderStack from src/offline/render-stack.ts */
  readonly renderStack?: RenderStackFn;
  /** Receives the text (or JSON) output. @default writes to stdout */
  readonly stdout?: (text: string) => void;
  /** Receives notes about resources that were not compared. @default writes to stderr */
  readonly stderr?: (text: string) => void;
}

export function diffCommand(deps: DiffCommandDeps = {}): Command {
  const stdout = deps.stdout ?? ((text: string) => void process.stdout.write(text));
  const stderr = deps.stderr ?? ((text: string) => void process.stderr.write(text));
  return new Command("diff")
    .description("Compare the Kubernetes objects a stack would deploy with a manifest (a `kubectl get -o yaml` export or plain manifests) and report drift")
    .argument("<stack-dir>", "directory of the Pulumi project (the one holding Pulumi.yaml)")
    .requiredOption("--against <manifest.yaml>", "YAML manifest to compare with: several documents or a kind: List; - reads standard input")
    .addOption(stackOption())
    .addOption(configFileOption())
    .option("--ignore <path>", "field path not to compare, e.g. spec.replicas (repeatable)", collect, [])
    .option("--json", "print the drift report as JSON")
    .addHelpText("after", "\nFields show actual -> desired (manifest -> stack).\nExit codes: 0 no drift, 1 drift, 2 bad usage or input.")
    .showHelpAfterError()
    .exitOverride()
    .action(async (stackDir: string, opts: StackFlags & { against: string; ignore: string[]; json?: boolean }) => {
      if (!existsSync(stackDir) || !statSync(stackDir).isDirectory()) {
        throw new CliError(`<stack-dir> ${stackDir}: no such directory. Fix: pass the directory of a Pulumi project (the one holding Pulumi.yaml), e.g. infra/pulumi/<stack>`);
      }
      // A missing manifest fails before the (slow) render; readManifest throws the usage error.
      if (opts.against !== STDIN && !existsSync(opts.against)) readManifest(opts.against);
      const rendered = await withProgress(`rendering ${stackDir}`, async () => {
        const render = deps.renderStack ?? (await import("../offline/render-stack.ts")).renderStack;
        return render(stackDir, renderOptionsFrom(opts));
      }, { quiet: opts.json === true });
      const { objects, skipped } = kubernetesObjects(rendered);
      for (const s of skipped) stderr(`runner-fleet diff: not compared: ${s}\n`);
      const outcome = runDiff(objects, opts.against, { ignore: opts.ignore, desiredLabel: `stack "${rendered.stack}" of ${stackDir}` });
      if (opts.json !== true) stdout(outcome.text);
      else if (deps.stdout === undefined) printJson(outcome.report);
      else stdout(JSON.stringify(outcome.report, null, 2) + "\n");
      if (outcome.exitCode !== EXIT.ok) process.exitCode = outcome.exitCode;
    });
}
