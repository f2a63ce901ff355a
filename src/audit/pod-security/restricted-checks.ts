/**
 * The controls Restricted adds to Baseline (Pod Security Standards, Kubernetes v1.32). Restricted
 * replaces three Baseline controls with stricter ones: HostPath Volumes (by Volume Types),
 * Capabilities and Seccomp. Privilege escalation, seccomp and capabilities are not checked for
 * pods with `spec.os.name: windows`, as Pod Security Admission does.
 */
import type { PodSecurityFinding, PodTemplateLike } from "./types.ts";
import { join, visitContainers } from "./types.ts";
import { quoteValue, safeValue, safeText } from "../quote.ts";

/** Volume sources Restricted allows (v1.32). */
export const RESTRICTED_VOLUME_TYPES: readonly string[] = [
  "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret",
];

export function restrictedOnlyFindings(pod: PodTemplateLike, prefix: string): PodSecurityFinding[] {
  const out: PodSecurityFinding[] = [];
  const add = (control: string, path: string, message: string, fix: string) => out.push({ level: "restricted", control, path, message, fix });
  const specPath = join(prefix, "spec");
  const spec = pod.spec;
  const psc = spec?.securityContext;
  const containers = visitContainers(spec, specPath);
  const windows = spec?.os?.name === "windows";

  // Volume Types
  (spec?.volumes ?? []).forEach((v, i) => {
    const sources = Object.keys(v).filter((k) => k !== "name" && (v as unknown as Record<string, unknown>)[k] != null);
    // A volume without a source is defaulted to emptyDir by the API server.
    const source = sources.find((s) => !RESTRICTED_VOLUME_TYPES.includes(s));
    if (source === undefined) return;
    add("Volume Types", `${specPath}.volumes[${i}].${safeText(source)}`, `volume ${quoteValue(v.name)} uses ${safeText(source)}, a volume type Restricted does not allow`, `use one of ${RESTRICTED_VOLUME_TYPES.join(", ")} (network storage through a PersistentVolumeClaim)`);
  });

  // Privilege Escalation
  if (!windows) {
    for (const c of containers) {
      if (c.container.securityContext?.allowPrivilegeEscalation !== false) {
        add("Privilege Escalation", `${c.path}.securityContext.allowPrivilegeEscalation`, `is ${String(c.container.securityContext?.allowPrivilegeEscalation ?? "unset")}: setuid binaries can gain privileges`, "set allowPrivilegeEscalation: false");
      }
    }
  }

  // Running as Non-root
  const podNonRoot = psc?.runAsNonRoot;
  if (podNonRoot === false) add("Running as Non-root", `${specPath}.securityContext.runAsNonRoot`, "is false", "set runAsNonRoot: true");
  for (const c of containers) {
    const own = c.container.securityContext?.runAsNonRoot;
    if (own === false) add("Running as Non-root", `${c.path}.securityContext.runAsNonRoot`, "is false", "set runAsNonRoot: true, or remove it to inherit the pod's true");
    else if (own === undefined && podNonRoot !== true) {
      add("Running as Non-root", `${c.path}.securityContext.runAsNonRoot`, "is unset and the pod does not set it: the container may run as root", `set ${specPath}.securityContext.runAsNonRoot: true (covers every container) or runAsNonRoot: true on this container`);
    }
  }

  // Running as Non-root user
  if (psc?.runAsUser === 0) add("Running as Non-root user", `${specPath}.securityContext.runAsUser`, "is 0 (root)", "set a non-zero UID such as 1001, or remove it");
  for (const c of containers) {
    if (c.container.securityContext?.runAsUser === 0) add("Running as Non-root user", `${c.path}.securityContext.runAsUser`, "is 0 (root)", "set a non-zero UID such as 1001, or remove it");
  }

  if (!windows) {
    // Seccomp (replaces the Baseline control)
    const ok = (t: string | undefined) => t === "RuntimeDefault" || t === "Localhost";
    const podProfile = psc?.seccompProfile;
    if (podProfile != null && !ok(podProfile.type)) {
      add("Seccomp", `${specPath}.securityContext.seccompProfile.type`, `is ${safeValue(podProfile.type)}: system calls are not filtered`, "set RuntimeDefault (or Localhost with a profile)");
    }
    const podSet = podProfile != null && ok(podProfile.type);
    for (const c of containers) {
      const profile = c.container.securityContext?.seccompProfile;
      if (profile != null && !ok(profile.type)) {
        add("Seccomp", `${c.path}.securityContext.seccompProfile.type`, `is ${safeValue(profile.type)}: system calls are not filtered`, "set RuntimeDefault (or Localhost with a profile), or remove it to inherit the pod's");
      } else if (profile == null && !podSet) {
        add("Seccomp", `${c.path}.securityContext.seccompProfile.type`, "is unset and the pod sets no seccomp profile", `set ${specPath}.securityContext.seccompProfile.type: RuntimeDefault (covers every container) or set it on this container`);
      }
    }

    // Capabilities (replaces the Baseline control)
    for (const c of containers) {
      const caps = c.container.securityContext?.capabilities;
      if (!(caps?.drop ?? []).includes("ALL")) {
        add("Capabilities", `${c.path}.securityContext.capabilities.drop`, "does not drop ALL", 'set capabilities.drop: ["ALL"] and add back only NET_BIND_SERVICE if needed');
      }
      (caps?.add ?? []).forEach((cap, j) => {
        if (cap !== "NET_BIND_SERVICE") add("Capabilities", `${c.path}.securityContext.capabilities.add[${j}]`, `adds ${safeText(cap)}; Restricted allows adding only NET_BIND_SERVICE`, `remove ${safeText(cap)}`);
      });
    }
  }
  return out;
}
