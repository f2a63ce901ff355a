/**
 * Checks of the containers beside a runner (sidecars and init containers), reported at their key
 * paths with the runner's: names unique in the pod, images pinned, resources valid, mounts of
 * volumes the pod has, and security contexts that only tighten the hardened defaults (or are
 * rendered as written with `relax.securityAsWritten`), privileged only with `relax.privileged`.
 */
import type { ConfigIssue } from "./issues.ts";
import { resourceIssues } from "./kubernetes-rules.ts";
import type { InitContainer, SidecarContainer } from "./kubernetes-containers.ts";
import { imageIssues, privilegedIssues, type Relaxations, weakeningIssues } from "./kubernetes-security.ts";

interface PodContainers {
  readonly sidecars?: readonly SidecarContainer[] | undefined;
  readonly initContainers?: readonly InitContainer[] | undefined;
  readonly relax?: Relaxations | undefined;
}

/** Every problem of a runner's sidecars and init containers at `at`; `volumes` are the pod's volume names. */
export function containerIssues(r: PodContainers, at: string, volumes: readonly string[], runnerName: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const names = new Map<string, string>([[runnerName, `${at}.containerName`]]);
  const asWritten = r.relax?.securityAsWritten === true;
  const check = (c: SidecarContainer | InitContainer, where: string) => {
    const prev = names.get(c.name);
    if (prev !== undefined) issues.push({ path: `${where}.name`, message: `"${c.name}" is already the name of ${prev === `${at}.containerName` ? "the runner container" : prev}`, fix: "give every container of the pod its own name" });
    else names.set(c.name, where);
    issues.push(...imageIssues(c.image, `${where}.image`, r.relax), ...resourceIssues(c.resources, `${where}.resources`));
    issues.push(...privilegedIssues(c.securityContext, `${where}.securityContext`, r.relax));
    // A privileged container is written as a whole (it gets every capability anyway).
    if (c.securityContext?.privileged !== true) issues.push(...weakeningIssues(c.securityContext, `${where}.securityContext`, asWritten));
    const env = new Map<string, number>();
    (c.env ?? []).forEach((e, j) => {
      const first = env.get(e.name);
      if (first !== undefined) issues.push({ path: `${where}.env[${j}].name`, message: `${e.name} is already set by env[${first}]`, fix: "set each environment variable once" });
      else env.set(e.name, j);
    });
    const paths = new Map<string, number>();
    (c.volumeMounts ?? []).forEach((m, j) => {
      if (!volumes.includes(m.name)) issues.push({ path: `${where}.volumeMounts[${j}].name`, message: `"${m.name}" is not a volume of the pod`, fix: `name one of: ${volumes.join(", ") || "(none)"}, or add it to extraVolumes` });
      const norm = m.mountPath.replace(/\/+$/, "") || "/";
      const first = paths.get(norm);
      if (first !== undefined) issues.push({ path: `${where}.volumeMounts[${j}].mountPath`, message: `mount path ${m.mountPath} is already used by volumeMounts[${first}]`, fix: "give every mount of the container its own path" });
      else paths.set(norm, j);
    });
  };
  (r.initContainers ?? []).forEach((c, j) => check(c, `${at}.initContainers[${j}]`));
  (r.sidecars ?? []).forEach((c, j) => check(c, `${at}.sidecars[${j}]`));
  return issues;
}
