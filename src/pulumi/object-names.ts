/**
 * Kubernetes object names are one per kind and namespace, whichever component renders them: two
 * runner components that render a Deployment of the same name would take turns overwriting one
 * object, and Pulumi cannot see it (their URNs differ). Each component claims its objects' names
 * before it registers anything; a name another component of the same program claimed is an error
 * naming both components. "The same program" is the Pulumi engine connection (a fresh one per
 * offline render).
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, type ConfigIssue } from "../model/issues.ts";

interface NamedObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
}

const claimed = new WeakMap<object, Map<string, string>>();
/** Where names are kept when no engine is connected (a component built outside a program). */
const NO_ENGINE = {};

function engine(): object {
  return (pulumi.runtime.hasMonitor() ? pulumi.runtime.getMonitor() : undefined) ?? NO_ENGINE;
}

/**
 * Claims the names of `objects` for the component `owner` (its Pulumi type and name). Throws
 * ConfigError, before anything is registered, when another component already claimed one.
 */
export function claimObjectNames(owner: string, objects: readonly NamedObject[]): void {
  const scope = engine();
  let names = claimed.get(scope);
  if (names === undefined) claimed.set(scope, (names = new Map()));
  const issues: ConfigIssue[] = [];
  const keys = objects.map((o) => {
    const group = o.apiVersion?.includes("/") ? o.apiVersion.slice(0, o.apiVersion.indexOf("/")) : "";
    const where = `${o.kind ?? "object"} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata?.name ?? ""}`;
    return { key: `${group}|${o.kind ?? ""}|${o.metadata?.namespace ?? ""}|${o.metadata?.name ?? ""}`, where };
  });
  for (const { key, where } of keys) {
    const other = names.get(key);
    if (other !== undefined && other !== owner) {
      issues.push({ path: `${owner}: ${where}`, message: `is also rendered by ${other}, so the two would overwrite one object`, fix: "give the runners of one component other names, or run them in another namespace" });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues, "runner components of this program");
  for (const { key } of keys) names.set(key, owner);
}
