/**
 * Checks across the runners of a Kubernetes fleet, whatever the forge: a namespace is set, names
 * and Deployment names are unique, images are pinned (or named as relaxed), labels read as the forge
 * reads them, fenced pods carry the label the fence selects. Most read raw input, so they are
 * reported with every other problem even when fields are malformed.
 */
import type { ConfigIssue } from "./issues.ts";
import { isRecord } from "./refine.ts";
import { type ForgeKind, forgeLabelIssues } from "./forge.ts";
import { containerSecurityContextSchema, imageIssues, podSecurityContextSchema, privilegedIssues, relaxationShape, runnerSecurityIssues, weakeningIssues } from "./kubernetes-security.ts";
import { strictObject } from "./zod-issues.ts";
import type { ResolvedRunnerPod } from "./kubernetes-runner.ts";

/**
 * A fleet without a namespace: there is no default, because any default is somebody else's
 * namespace. Read from raw input, so it is reported with every other problem.
 */
export function missingNamespaceIssues(input: unknown): ConfigIssue[] {
  if (isRecord(input) && input["namespace"] !== undefined) return [];
  return [{ path: "namespace", message: "is not set, and runner-fleet has no default namespace", fix: "set namespace to the existing namespace the runners run in, e.g. namespace: ci-runners (it is referenced, never created)" }];
}

/**
 * Runners whose pods lack the `app` label the fence selects them by (only for fenced fleets). A
 * runner whose Deployment selects by that same label has had it reported by the selector check.
 */
export function fencedLabelIssues(runners: readonly ResolvedRunnerPod[], fenced: boolean): ConfigIssue[] {
  if (!fenced) return [];
  return runners.flatMap((r, i) => (r.objectMeta.pod.labels["app"] === r.objectName || r.objectMeta.selector["app"] === r.objectName ? [] : [{ path: `runners[${i}].podMetadata.labels`, message: `lacks app: ${r.objectName}, by which the fleet's NetworkPolicies select its pods`, fix: `add app: ${r.objectName} to podMetadata.labels, or set networkPolicies: false to leave the fleet unfenced (its pods then reach every address)` }]));
}

/** Runners whose Deployments would have the same name (a deploymentName, or `<name><suffix>`). */
export function deploymentNameIssues(runners: readonly ResolvedRunnerPod[]): ConfigIssue[] {
  const seen = new Map<string, number>();
  return runners.flatMap((r, i) => {
    const first = seen.get(r.objectName);
    if (first === undefined) {
      seen.set(r.objectName, i);
      return [];
    }
    return [{ path: `runners[${i}].deploymentName`, message: `"${r.objectName}" is already the Deployment name of runners[${first}]`, fix: "give every runner's Deployment its own name (set or change deploymentName)" }];
  });
}

/** Problems across runners (no runners, duplicate names, unpinned images), read from raw input so they are found even when fields are malformed. */
export function runnerListIssues(input: unknown): ConfigIssue[] {
  const runners = isRecord(input) ? input["runners"] : undefined;
  if (!Array.isArray(runners)) return [];
  if (runners.length === 0) return [{ path: "runners", message: "lists no runners", fix: "add at least one runner description: { name, image, ... }" }];
  const issues: ConfigIssue[] = [];
  const seen = new Map<string, number>();
  runners.forEach((r, i) => {
    if (!isRecord(r)) return;
    // Pinning depends on the runner's relaxations, so it is read here, whatever else is wrong.
    if (typeof r["image"] === "string" && r["image"] !== "") issues.push(...imageIssues(r["image"], `runners[${i}].image`, isRecord(r["relax"]) ? { unpinnedImages: r["relax"]["unpinnedImages"] === true } : undefined));
    const name = r["name"];
    if (typeof name !== "string") return;
    const first = seen.get(name);
    if (first !== undefined) issues.push({ path: `runners[${i}].name`, message: `"${name}" is already the name of runners[${first}]`, fix: "give every runner a unique name" });
    else seen.set(name, i);
  });
  return issues;
}

/**
 * Every problem with the runners' labels as `forge` reads them (shape, count, repeats), at each
 * label's key path; read from raw input so that they are reported with every other problem.
 */
export function runnerLabelIssues(forge: ForgeKind, input: unknown): ConfigIssue[] {
  const runners = isRecord(input) ? input["runners"] : undefined;
  if (!Array.isArray(runners)) return [];
  return runners.flatMap((r, i) => {
    const labels = isRecord(r) ? r["labels"] : undefined;
    if (!Array.isArray(labels) || !labels.every((l): l is string => typeof l === "string")) return [];
    return forgeLabelIssues(forge, labels, `runners[${i}].labels`);
  });
}

const relaxations = strictObject(relaxationShape);

/**
 * The security problems of each runner (weakening fields, privileged containers without
 * `relax.privileged`), read from raw input: for a fleet that other problems keep from resolving,
 * so that one run still shows every problem. Parts that are malformed themselves are left to the
 * schema's own report.
 */
export function rawSecurityIssues(input: unknown): ConfigIssue[] {
  const runners = isRecord(input) ? input["runners"] : undefined;
  if (!Array.isArray(runners)) return [];
  return runners.flatMap((r, i) => {
    if (!isRecord(r)) return [];
    const relax = relaxations.safeParse(r["relax"] ?? {});
    if (!relax.success) return [];
    const at = `runners[${i}]`;
    const pod = podSecurityContextSchema.safeParse(r["securityContext"]);
    const container = containerSecurityContextSchema.safeParse(r["containerSecurityContext"]);
    const issues = runnerSecurityIssues({
      ...(pod.success ? { securityContext: pod.data } : {}),
      ...(container.success ? { containerSecurityContext: container.data } : {}),
      ...(typeof r["automountServiceAccountToken"] === "boolean" ? { automountServiceAccountToken: r["automountServiceAccountToken"] } : {}),
      relax: relax.data,
    }, at);
    for (const key of ["sidecars", "initContainers"] as const) {
      const list = r[key];
      if (!Array.isArray(list)) continue;
      list.forEach((c, j) => {
        const sc = containerSecurityContextSchema.safeParse(isRecord(c) ? c["securityContext"] : undefined);
        if (!sc.success || sc.data === undefined) return;
        const where = `${at}.${key}[${j}].securityContext`;
        issues.push(...privilegedIssues(sc.data, where, relax.data));
        if (sc.data.privileged !== true) issues.push(...weakeningIssues(sc.data, where, relax.data.securityAsWritten === true));
      });
    }
    return issues;
  });
}
