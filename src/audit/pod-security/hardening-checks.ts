/**
 * Checks the project adds beyond the Pod Security Standards for runner pods: every image pinned
 * by a version tag or digest, resource requests and limits on every container, and no automatic
 * service account token.
 */
import { PIN_IMAGE_FIX, parseImage } from "../../model/image.ts";
import type { PodSecurityFinding, PodTemplateLike } from "./types.ts";
import { join, visitContainers } from "./types.ts";
import { quote, safeText } from "../quote.ts";

/** Resources every init and regular container must request and be limited to. */
export const REQUIRED_RESOURCES: readonly string[] = ["cpu", "memory"];

export function hardeningFindings(pod: PodTemplateLike, prefix: string): PodSecurityFinding[] {
  const out: PodSecurityFinding[] = [];
  const add = (control: string, path: string, message: string, fix: string) => out.push({ level: "hardening", control, path, message, fix });
  const specPath = join(prefix, "spec");

  for (const c of visitContainers(pod.spec, specPath)) {
    const image = c.container.image;
    if (typeof image !== "string" || image === "") {
      add("Pinned Images", `${c.path}.image`, "is missing", PIN_IMAGE_FIX);
    } else {
      const parsed = parseImage(image);
      if (typeof parsed === "string") add("Pinned Images", `${c.path}.image`, `${quote(image, 200)} ${safeText(parsed, 200)}`, PIN_IMAGE_FIX);
    }
    // Ephemeral containers cannot set resources.
    if (c.kind === "ephemeralContainers") continue;
    for (const block of ["requests", "limits"] as const) {
      const set = (c.container.resources?.[block] ?? {}) as Record<string, unknown>;
      const missing = REQUIRED_RESOURCES.filter((r) => set[r] === undefined || set[r] === null || set[r] === "");
      if (missing.length > 0) {
        add("Resources", `${c.path}.resources.${block}`, `has no ${missing.join(" or ")} ${block === "requests" ? "request" : "limit"}`, `set resources.${block}.${missing.join(" and ")} (e.g. cpu: "2", memory: 4Gi)`);
      }
    }
  }

  if (pod.spec?.automountServiceAccountToken !== false) {
    add("Service Account Token", `${specPath}.automountServiceAccountToken`, `is ${String(pod.spec?.automountServiceAccountToken ?? "unset")}: every container gets a Kubernetes API token`, "set automountServiceAccountToken: false; mount a projected token only where a job needs the API");
  }
  return out;
}
