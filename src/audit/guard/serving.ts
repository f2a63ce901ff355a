/** Which profiles serve a `runs-on` label set: those that carry ALL its labels (case-insensitive). */
import { inputExcerpt } from "../../model/input-excerpt.ts";
import type { Forge, RunnerProfile } from "../../model/profile-schema.ts";

export interface LabelTarget {
  readonly labels: readonly string[];
  readonly group?: string;
}

/**
 * Profiles of `forge` that can take a job asking for `target`: every requested label is one of
 * the profile's labels (GitHub compares case-insensitively) and, for `{ group, labels }`, the
 * profile's runner group is the requested group.
 */
export function servingProfiles(target: LabelTarget, profiles: readonly RunnerProfile[], forge: Forge): RunnerProfile[] {
  const wanted = target.labels.map((l) => l.toLowerCase());
  const group = target.group?.toLowerCase();
  return profiles.filter((p) => {
    if (p.forge !== forge) return false;
    if (group !== undefined && (p.runnerGroup ?? "").toLowerCase() !== group) return false;
    const have = new Set(p.labels.map((l) => l.toLowerCase()));
    return wanted.every((l) => have.has(l));
  });
}

/** Up to `n` profiles of `forge` that share the most labels with `target`, as `name [labels]`. */
export function closestProfiles(target: LabelTarget, profiles: readonly RunnerProfile[], forge: Forge, n = 3): string[] {
  const wanted = new Set(target.labels.map((l) => l.toLowerCase()));
  return profiles
    .filter((p) => p.forge === forge)
    .map((p) => ({ p, score: p.labels.filter((l) => wanted.has(l.toLowerCase())).length }))
    .sort((a, b) => b.score - a.score || a.p.name.localeCompare(b.p.name))
    .slice(0, n)
    .map(({ p }) => `${inputExcerpt(p.name, 80)} ${formatLabels(p.labels)}${p.runnerGroup !== undefined && target.group !== undefined ? ` (group ${inputExcerpt(p.runnerGroup, 80)})` : ""}`);
}

/** Labels as messages show them: `[a, b]`, each shortened and redacted, at most 20 of them. */
export const formatLabels = (labels: readonly string[]): string =>
  `[${labels
    .slice(0, 20)
    .map((l) => inputExcerpt(l, 80))
    .join(", ")}${labels.length > 20 ? `, … ${labels.length - 20} more` : ""}]`;
