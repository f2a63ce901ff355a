/**
 * The Baseline controls of the Pod Security Standards as Pod Security Admission evaluates them
 * for Kubernetes v1.32. Each offending field is one finding with its path and a fix.
 */
import type { PodSecurityFinding, PodTemplateLike } from "./types.ts";
import { join, visitContainers } from "./types.ts";
import { quote, quoteValue, safeValue, safeText } from "../quote.ts";

/** Capabilities Baseline allows in `capabilities.add`. */
export const BASELINE_CAPABILITIES: readonly string[] = [
  "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
  "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
];

/** The safe sysctls of Baseline in v1.32 (1.27 added ip_local_reserved_ports, 1.29 the keepalive/fin ones, 1.32 tcp_rmem/tcp_wmem). */
export const SAFE_SYSCTLS: readonly string[] = [
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
  "net.ipv4.tcp_rmem",
  "net.ipv4.tcp_wmem",
];

/** SELinux types Baseline allows (container_engine_t since v1.31). */
export const SELINUX_TYPES: readonly string[] = ["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"];

const APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/";

/** Baseline controls that Restricted replaces with a stricter version of its own. */
export type OverriddenByRestricted = "HostPath Volumes" | "Capabilities" | "Seccomp";

export function baselineFindings(pod: PodTemplateLike, prefix: string, skip: ReadonlySet<OverriddenByRestricted> = new Set()): PodSecurityFinding[] {
  const out: PodSecurityFinding[] = [];
  const add = (control: string, path: string, message: string, fix: string) => out.push({ level: "baseline", control, path, message, fix });
  const specPath = join(prefix, "spec");
  const spec = pod.spec;
  const psc = spec?.securityContext;
  const containers = visitContainers(spec, specPath);

  // HostProcess
  if (psc?.windowsOptions?.hostProcess === true) {
    add("HostProcess", `${specPath}.securityContext.windowsOptions.hostProcess`, "is true: HostProcess pods get privileged access to the Windows host", "remove it or set false");
  }
  for (const c of containers) {
    if (c.container.securityContext?.windowsOptions?.hostProcess === true) {
      add("HostProcess", `${c.path}.securityContext.windowsOptions.hostProcess`, "is true: HostProcess containers get privileged access to the Windows host", "remove it or set false");
    }
  }

  // Host Namespaces
  for (const field of ["hostNetwork", "hostPID", "hostIPC"] as const) {
    if (spec?.[field] === true) add("Host Namespaces", `${specPath}.${field}`, `is true: the pod shares the node's ${field.slice(4)} namespace`, "remove it or set false");
  }

  // Privileged Containers
  for (const c of containers) {
    if (c.container.securityContext?.privileged === true) {
      add("Privileged Containers", `${c.path}.securityContext.privileged`, "is true: a privileged container disables most isolation", "remove it or set false; add back only the capabilities the container needs");
    }
  }

  // Capabilities
  if (!skip.has("Capabilities")) {
    for (const c of containers) {
      (c.container.securityContext?.capabilities?.add ?? []).forEach((cap, j) => {
        if (!BASELINE_CAPABILITIES.includes(cap)) {
          add("Capabilities", `${c.path}.securityContext.capabilities.add[${j}]`, `adds ${safeText(cap)}, which Baseline does not allow`, `remove ${safeText(cap)}; Baseline allows only ${BASELINE_CAPABILITIES.join(", ")}`);
        }
      });
    }
  }

  // HostPath Volumes
  if (!skip.has("HostPath Volumes")) {
    (spec?.volumes ?? []).forEach((v, i) => {
      if (v.hostPath != null) add("HostPath Volumes", `${specPath}.volumes[${i}].hostPath`, `volume ${quoteValue(v.name)} mounts a node path`, "use an emptyDir, a PersistentVolumeClaim, a configMap or a secret");
    });
  }

  // Host Ports
  for (const c of containers) {
    (c.container.ports ?? []).forEach((p, j) => {
      if (p.hostPort !== undefined && p.hostPort !== null && p.hostPort !== 0) {
        add("Host Ports", `${c.path}.ports[${j}].hostPort`, `binds port ${p.hostPort} on the node`, "remove hostPort and expose the port with a Service");
      }
    });
  }

  // AppArmor
  const apparmorOk = (t: string | undefined) => t === "RuntimeDefault" || t === "Localhost";
  if (psc?.appArmorProfile != null && !apparmorOk(psc.appArmorProfile.type)) {
    add("AppArmor", `${specPath}.securityContext.appArmorProfile.type`, `is ${safeValue(psc.appArmorProfile.type)}: AppArmor confinement is switched off`, "set RuntimeDefault (or Localhost with a profile), or remove it");
  }
  for (const c of containers) {
    const profile = c.container.securityContext?.appArmorProfile;
    if (profile != null && !apparmorOk(profile.type)) {
      add("AppArmor", `${c.path}.securityContext.appArmorProfile.type`, `is ${safeValue(profile.type)}: AppArmor confinement is switched off`, "set RuntimeDefault (or Localhost with a profile), or remove it");
    }
  }
  for (const [key, value] of Object.entries(pod.metadata?.annotations ?? {})) {
    if (key.startsWith(APPARMOR_ANNOTATION) && !(value === "" || value === "runtime/default" || value.startsWith("localhost/"))) {
      add("AppArmor", `${join(prefix, "metadata.annotations")}[${quote(key)}]`, `is ${quote(value)}: AppArmor confinement is switched off`, "set runtime/default (or localhost/<profile>), or use securityContext.appArmorProfile");
    }
  }

  // SELinux
  const selinux = (path: string, o: { type?: string; user?: string; role?: string } | undefined) => {
    if (o == null) return;
    if (!SELINUX_TYPES.includes(o.type ?? "")) add("SELinux", `${path}.seLinuxOptions.type`, `is ${safeValue(o.type)}, a type Baseline does not allow`, `remove it or use one of ${SELINUX_TYPES.filter((t) => t !== "").join(", ")}`);
    if ((o.user ?? "") !== "") add("SELinux", `${path}.seLinuxOptions.user`, "sets a custom SELinux user", "remove it");
    if ((o.role ?? "") !== "") add("SELinux", `${path}.seLinuxOptions.role`, "sets a custom SELinux role", "remove it");
  };
  selinux(`${specPath}.securityContext`, psc?.seLinuxOptions);
  for (const c of containers) selinux(`${c.path}.securityContext`, c.container.securityContext?.seLinuxOptions);

  // /proc Mount Type
  for (const c of containers) {
    const mount = c.container.securityContext?.procMount;
    if (mount !== undefined && mount !== null && mount !== "Default") {
      add("/proc Mount Type", `${c.path}.securityContext.procMount`, `is ${safeValue(mount)}: /proc is not masked`, "remove it or set Default");
    }
  }

  // Seccomp
  if (!skip.has("Seccomp")) {
    const seccompOk = (t: string) => t === "RuntimeDefault" || t === "Localhost";
    if (psc?.seccompProfile != null && !seccompOk(psc.seccompProfile.type)) {
      add("Seccomp", `${specPath}.securityContext.seccompProfile.type`, `is ${safeValue(psc.seccompProfile.type)}: system calls are not filtered`, "set RuntimeDefault (or Localhost with a profile)");
    }
    for (const c of containers) {
      const profile = c.container.securityContext?.seccompProfile;
      if (profile != null && !seccompOk(profile.type)) {
        add("Seccomp", `${c.path}.securityContext.seccompProfile.type`, `is ${safeValue(profile.type)}: system calls are not filtered`, "set RuntimeDefault (or Localhost with a profile), or remove it to inherit the pod's");
      }
    }
  }

  // Sysctls
  (psc?.sysctls ?? []).forEach((s, i) => {
    if (!SAFE_SYSCTLS.includes(s.name)) add("Sysctls", `${specPath}.securityContext.sysctls[${i}].name`, `${safeValue(s.name)} is not a safe (namespaced, isolated) sysctl`, `remove it; Baseline allows only ${SAFE_SYSCTLS.join(", ")}`);
  });

  return out;
}
