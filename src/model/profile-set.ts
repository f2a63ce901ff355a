/**
 * Problems of a set of runner profiles that no single profile shows: repeated names and labels,
 * budgets that contradict each other, and trusted and untrusted profiles a job could confuse.
 * The profiles file and the profiles computed from stacks (`guard --fleet`) are checked alike.
 */
import { inputExcerpt } from "./input-excerpt.ts";
import type { ConfigIssue } from "./issues.ts";
import type { RunnerProfile } from "./profile-schema.ts";

const lower = (labels: readonly string[]) => new Set(labels.map((l) => l.toLowerCase()));
const isSubset = (a: ReadonlySet<string>, b: ReadonlySet<string>) => {
  for (const x of a) if (!b.has(x)) return false;
  return true;
};

/**
 * Problems of a set of resolved profiles that no single profile shows: duplicate names, repeated
 * labels, a per-job budget above the per-workflow budget, and trusted and untrusted profiles whose
 * labels let a job aimed at one land on the other. `at(i)` names profile `i` in the messages.
 */
export function profileSetIssues(profiles: readonly RunnerProfile[], at: (i: number) => string = (i) => `profiles[${i}]`): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const names = new Map<string, number>();
  const show = (s: string) => inputExcerpt(s, 80);
  profiles.forEach((p, i) => {
    const first = names.get(p.name);
    if (first !== undefined) issues.push({ path: `${at(i)}.name`, message: `"${show(p.name)}" is already the name of ${at(first)}`, fix: "give every profile a unique name" });
    else names.set(p.name, i);
    const seen = new Map<string, number>();
    p.labels.forEach((l, j) => {
      const prev = seen.get(l.toLowerCase());
      if (prev !== undefined) issues.push({ path: `${at(i)}.labels[${j}]`, message: `"${show(l)}" repeats labels[${prev}] (labels compare case-insensitively)`, fix: "list each label once" });
      else seen.set(l.toLowerCase(), j);
    });
    if (p.maxParallelPerJob > p.maxConcurrentPerWorkflow) {
      issues.push({
        path: `${at(i)}.maxParallelPerJob`,
        message: `${p.maxParallelPerJob} is more than maxConcurrentPerWorkflow (${p.maxConcurrentPerWorkflow}), so one job could use more than a whole workflow may`,
        fix: `lower maxParallelPerJob to ${p.maxConcurrentPerWorkflow} or less, or raise maxConcurrentPerWorkflow`,
      });
    }
  });
  const labelSets = profiles.map((p) => lower(p.labels));
  profiles.forEach((t, i) => {
    if (t.trust !== "trusted") return;
    profiles.forEach((u, j) => {
      if (u.trust !== "untrusted" || u.forge !== t.forge) return;
      const tl = labelSets[i]!;
      const ul = labelSets[j]!;
      const [tn, un] = [show(t.name), show(u.name)];
      if (isSubset(ul, tl)) {
        issues.push({
          path: `${at(j)}.labels`,
          message: `every label of untrusted profile "${un}" is also a label of trusted profile "${tn}" (${at(i)}), so a job aimed at "${un}" can land on a trusted runner`,
          fix: `give "${un}" a label that "${tn}" does not carry (trusted and untrusted pools must never share a label set)`,
        });
      } else if (isSubset(tl, ul)) {
        issues.push({
          path: `${at(i)}.labels`,
          message: `every label of trusted profile "${tn}" is also a label of untrusted profile "${un}" (${at(j)}), so a job aimed at "${tn}" can land on an untrusted runner`,
          fix: `give "${tn}" a label that "${un}" does not carry (trusted and untrusted pools must never share a label set)`,
        });
      }
    });
  });
  return issues;
}
