/**
 * What the topology view (`audit --format mermaid`) needs beyond the audit itself, gathered while
 * the audit reads the objects: the forge the runners register with, each pod's RuntimeClass, the
 * RuntimeClasses' handlers and the NetworkPolicies. Keeps a few strings per object, whatever the
 * number of objects.
 */
import { describeSelector } from "../audit/network/label-selector.ts";
import { podOf } from "../audit/network/pods-from.ts";
import { effectivePolicyTypes, networkPoliciesFrom, policyNamespace } from "../audit/network/policy-model.ts";
import type { KubeObject } from "../audit/network/types.ts";

/** A NetworkPolicy as the topology shows it. */
export interface TopologyPolicy {
  readonly namespace: string;
  readonly name: string;
  /** `{app=runner}`, or `{} (everything)`. */
  readonly selects: string;
  readonly types: readonly string[];
}

export interface TopologyFacts {
  /** The forges the runners register with (`GitHub`, `Forgejo`, `GitHub (ghe.example.com)`), as far as the objects or the stack say. */
  readonly forges: readonly string[];
  /** `runtimeClassName` of each pod template that names one, by pod (`namespace/Kind/name`). */
  readonly runtimeClasses: ReadonlyMap<string, string>;
  /** The handler of each RuntimeClass object, by name. */
  readonly handlers: ReadonlyMap<string, string>;
  readonly policies: readonly TopologyPolicy[];
}

const FORGE_NAMES: Readonly<Record<string, string>> = { github: "GitHub", forgejo: "Forgejo" };

const text = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** `GitHub`, or `GitHub (host)` for a GitHub Enterprise Server URL; undefined for an unreadable URL. */
function githubAt(url: unknown): string | undefined {
  const raw = text(url);
  if (raw === undefined) return undefined;
  try {
    const host = new URL(raw).hostname;
    return host === "github.com" ? "GitHub" : `GitHub (${host})`;
  } catch {
    return undefined;
  }
}

/** Collects the topology facts one object at a time; {@link facts} returns them. */
export class TopologyCollector {
  readonly #forgesFromObjects = new Set<string>();
  readonly #forgesFromStack = new Set<string>();
  readonly #runtimeClasses = new Map<string, string>();
  readonly #handlers = new Map<string, string>();
  readonly #policies: TopologyPolicy[] = [];

  /** Takes what the view needs from one object (any object; unknown kinds are ignored). */
  add(object: KubeObject): void {
    if (object === null || typeof object !== "object" || Array.isArray(object)) return;
    const [policy] = networkPoliciesFrom([object]);
    if (policy) {
      const spec = policy.spec ?? undefined;
      this.#policies.push({ namespace: policyNamespace(policy), name: text(policy.metadata?.name) ?? "(unnamed)", selects: describeSelector(spec?.podSelector ?? undefined), types: [...effectivePolicyTypes(policy)] });
    }
    if (object.kind === "RuntimeClass" && typeof object.metadata?.name === "string") {
      const handler = text(object["handler"]);
      if (handler !== undefined) this.#handlers.set(object.metadata.name, handler);
    }
    if (object.kind === "AutoscalingRunnerSet") {
      const spec = object["spec"];
      const forge = githubAt(spec !== null && typeof spec === "object" ? (spec as Record<string, unknown>)["githubConfigUrl"] : undefined);
      this.#forgesFromObjects.add(forge ?? "GitHub");
    }
    const pod = podOf(object);
    if (pod === undefined) return;
    const runtimeClass = text(pod.template.spec?.runtimeClassName);
    if (runtimeClass !== undefined) this.#runtimeClasses.set(pod.name, runtimeClass);
    const containers = Array.isArray(pod.template.spec?.containers) ? pod.template.spec.containers : [];
    for (const c of containers) {
      const image = c !== null && typeof c === "object" ? text(c.image) : undefined;
      if (image === undefined) continue;
      if (/forgejo/i.test(image) && /runner/i.test(image)) this.#forgesFromObjects.add("Forgejo");
      else if (/actions-runner/i.test(image) && object.kind !== "AutoscalingRunnerSet") this.#forgesFromObjects.add("GitHub");
    }
  }

  /** Takes the forge of each pool from a stack's `runnerPools` output, when it has one. */
  addOutputs(outputs: Readonly<Record<string, unknown>> | undefined): void {
    const pools = outputs?.["runnerPools"];
    if (!Array.isArray(pools)) return;
    for (const p of pools) {
      const forge = p !== null && typeof p === "object" ? text((p as Record<string, unknown>)["forge"]) : undefined;
      if (forge !== undefined) this.#forgesFromStack.add(FORGE_NAMES[forge] ?? forge);
    }
  }

  facts(): TopologyFacts {
    const forges = this.#forgesFromStack.size > 0 ? this.#forgesFromStack : this.#forgesFromObjects;
    return { forges: [...forges].sort(), runtimeClasses: this.#runtimeClasses, handlers: this.#handlers, policies: this.#policies };
  }
}
