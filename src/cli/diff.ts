/**
 * `runner-fleet diff <stack-dir> --against <manifest.yaml>`: renders a stack offline and reports
 * how a manifest (a `kubectl get -o yaml` export of the cluster, or the plain manifests that
 * existed before Pulumi) differs from it. Exit 0 no drift, 1 drift, 2 bad usage or input.
 * `--managed-only` lists objects only in the manifest without counting them as drift.
 */
import { redactCredentials } from "../model/credential-shape.ts";
import { existsSync, statSync } from "node:fs";
import { Command } from "commander";
import type { DriftReport, KubeObject } from "../audit/diff/index.ts";
import { diffManifests, formatDriftReport, inDefaultNamespace, isKubeObject, kubeObjectProblem, objectKey, writeDriftReport } from "../audit/diff/index.ts";
import { expandList } from "../audit/object-shape.ts";
import * as manifests from "../audit/diff/manifest-index.ts";
import { ManifestProblemsError, type ManifestIndex, type ReadManifestOptions } from "../audit/diff/manifest-index.ts";
import { CliError, EXIT, printJson, collect, rowLimit, withProgress } from "./output.ts";
import type { RenderOptions } from "../offline/rendered.ts";
import { configFileOption, renderOptionsFrom, stackOption, type StackFlags } from "./stack-options.ts";

export type { ManifestIndex, ReadManifestOptions } from "../audit/diff/manifest-index.ts";

/** `--against -` reads the manifest from standard input (`kubectl get ... -o yaml | runner-fleet diff ...`). */
export const STDIN = manifests.STDIN;

/** The usage error (exit 2) for what makes a manifest unreadable; anything else as it is. */
function usageError(e: unknown): unknown {
  if (e instanceof ManifestProblemsError) return new CliError(e.message);
  if (e instanceof Error && e.name === "InputError") return new CliError(`--against ${e.message}`);
  return e;
}

function asUsage<T>(work: () => T): T {
  try {
    return work();
  } catch (e) {
    throw usageError(e);
  }
}

/**
 * Reads every object of a YAML manifest (multi-document, `kind: List` expanded), one document at a
 * time; problems name file:line:column and the fix, all in one usage error. `path` `-` reads
 * standard input.
 */
export function readManifest(path: string, opts: ReadManifestOptions = {}): KubeObject[] {
  return asUsage(() => manifests.readManifest(path, opts));
}

/** Every object of a manifest's text (see {@link readManifest}); `file` names it in messages. */
export function manifestObjects(file: string, text: string, opts: ReadManifestOptions = {}): KubeObject[] {
  return asUsage(() => manifests.manifestObjects(file, text, opts));
}

/** A manifest read into an index: identities, and the objects read again in full on demand. */
export function indexManifest(path: string): ManifestIndex {
  return asUsage(() => manifests.indexManifest(path));
}

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

export interface RunDiffOptions {
  /** Field paths not to compare, e.g. `spec.replicas` when an autoscaler owns it. @default [] */
  readonly ignore?: readonly string[];
  /** How the text output names the desired side. @default "the stack" */
  readonly desiredLabel?: string;
  /** At most this many objects of each kind of change in the text (a terminal shows 50). @default all */
  readonly maxObjects?: number;
  /** Objects only in the manifest are listed but are not drift (`--managed-only`). @default false */
  readonly managedOnly?: boolean;
  /** The namespace of manifest objects that name none, as `kubectl apply -n` places them (`--namespace`). */
  readonly namespace?: string;
}

/** `index` with its namespaced objects that name no namespace placed in `namespace`. */
function withDefaultNamespace(index: ManifestIndex, namespace: string | undefined): ManifestIndex {
  if (namespace === undefined) return index;
  return { file: index.file, objects: index.objects.map((o) => inDefaultNamespace(o, namespace)), fullAt: (i) => { const o = index.fullAt(i); return o === undefined ? undefined : inDefaultNamespace(o, namespace); } };
}

export interface DiffOutcome {
  readonly report: DriftReport;
  /** The report as text, grouped by object (made when asked for). */
  readonly text: string;
  /** Writes the text in chunks, without holding all of it. */
  writeText(write: (text: string) => void): void;
  /** EXIT.ok without drift, EXIT.findings with drift (as `report.drift`). */
  readonly exitCode: number;
}

/** The diff without the renderer: desired objects against the manifest at `manifestPath`. */
export function runDiff(desired: readonly KubeObject[], manifestPath: string, opts: RunDiffOptions = {}): DiffOutcome {
  return diffAgainst(desired, indexManifest(manifestPath), manifestPath === STDIN ? "standard input" : manifestPath, opts);
}

/** Desired objects against a manifest already indexed; only the objects the stack renders are read in full. */
export function diffAgainst(desired: readonly KubeObject[], manifestIndex: ManifestIndex, actualLabel: string, opts: RunDiffOptions = {}): DiffOutcome {
  const index = withDefaultNamespace(manifestIndex, opts.namespace);
  // Objects the stack does not render are only listed, so only their identity is needed.
  const wanted = new Set(desired.filter(isKubeObject).map(objectKey));
  const actual = asUsage(() => manifests.objectsOf(index, (o) => wanted.has(objectKey(o))));
  const report = diffManifests(desired, actual, { ignore: opts.ignore ?? [], managedOnly: opts.managedOnly ?? false });
  const labels = { desired: opts.desiredLabel ?? "the stack", actual: actualLabel };
  const format = { maxObjects: opts.maxObjects ?? Number.POSITIVE_INFINITY };
  return {
    report,
    get text() {
      return formatDriftReport(report, labels, format);
    },
    writeText: (write) => writeDriftReport(write, report, labels, format),
    exitCode: report.drift ? EXIT.findings : EXIT.ok,
  };
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
  // Drift quotes values of both sides: a credential in the manifest is never printed back.
  const write = deps.stdout ?? ((text: string) => void process.stdout.write(text));
  const stdout = (text: string) => write(redactCredentials(text));
  const stderr = deps.stderr ?? ((text: string) => void process.stderr.write(text));
  return new Command("diff")
    .description("Compare the Kubernetes objects a stack would deploy with a manifest (a `kubectl get -o yaml` export or plain manifests) and report drift")
    .argument("<stack-dir>", "directory of the Pulumi project (the one holding Pulumi.yaml)")
    .requiredOption("--against <manifest.yaml>", "YAML manifest to compare with: several documents or a kind: List; - reads standard input")
    .addOption(stackOption())
    .addOption(configFileOption())
    .option("--ignore <path>", "field path not to compare, e.g. spec.replicas (repeatable)", collect, [])
    .option("--managed-only", "list objects only in the manifest (Namespaces, RBAC, Secrets the stack only references) but do not count them as drift")
    .option("--namespace <namespace>", "namespace of manifest objects that name none (where kubectl apply -n puts them)")
    .option("--json", "print the drift report as JSON")
    .addHelpText("after", "\nFields show actual -> desired (manifest -> stack).\nExit codes: 0 no drift, 1 drift, 2 bad usage or input.")
    .showHelpAfterError()
    .exitOverride()
    .action(async (stackDir: string, opts: StackFlags & { against: string; ignore: string[]; managedOnly?: boolean; namespace?: string; json?: boolean }) => {
      if (!existsSync(stackDir) || !statSync(stackDir).isDirectory()) {
        throw new CliError(`<stack-dir> ${stackDir}: no such directory. Fix: pass the directory of a Pulumi project (the one holding Pulumi.yaml), e.g. infra/pulumi/<stack>`);
      }
      // The manifest is read before the (slow) render: its problems are reported at once, and its
      // documents are parsed while the heap is small (only identities and places are kept).
      const index = opts.against === STDIN ? indexManifest(STDIN) : await manifests.indexManifestInWorker(opts.against).catch((e: unknown) => Promise.reject(usageError(e)));
      const rendered = await withProgress(`rendering ${stackDir}`, async () => {
        const render = deps.renderStack ?? (await import("../offline/render-stack.ts")).renderStack;
        return render(stackDir, renderOptionsFrom(opts));
      }, { quiet: opts.json === true });
      const { objects, skipped } = kubernetesObjects(rendered);
      for (const s of skipped) stderr(`runner-fleet diff: not compared: ${s}\n`);
      const outcome = diffAgainst(objects, index, opts.against === STDIN ? "standard input" : opts.against, { ignore: opts.ignore, managedOnly: opts.managedOnly === true, ...(opts.namespace === undefined ? {} : { namespace: opts.namespace }), desiredLabel: `stack "${rendered.stack}" of ${stackDir}`, maxObjects: deps.stdout === undefined ? rowLimit() : Number.POSITIVE_INFINITY });
      if (opts.json !== true) outcome.writeText(stdout);
      else if (deps.stdout === undefined) printJson(JSON.parse(redactCredentials(JSON.stringify(outcome.report))) as unknown);
      else stdout(JSON.stringify(outcome.report, null, 2) + "\n");
      if (outcome.exitCode !== EXIT.ok) process.exitCode = outcome.exitCode;
    });
}
