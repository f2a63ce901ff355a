/**
 * Runner profiles: the one source of runner labels and trust. A profile is a named set of labels
 * that workflows target (`runs-on`), with the trust level, isolation and concurrency budgets of
 * the runners behind it. `config/runner-isolation.yaml` lists the fleet's profiles; the JSON
 * Schema `config/runner-isolation.schema.json` describes the same file for editors, and a test
 * keeps the two in agreement.
 */
import { z } from "zod";
import { LineCounter, parseDocument } from "yaml";
import { type ConfigIssue, ConfigError } from "./issues.ts";
import { strictObject, zodIssues } from "./zod-issues.ts";

/** Where a profile's runners register. */
export const FORGES = ["github", "forgejo"] as const;
export type Forge = (typeof FORGES)[number];

/** Who may send work to a profile: `untrusted` runners take jobs from forks and outsiders. */
export const TRUST_LEVELS = ["trusted", "untrusted"] as const;
export type TrustLevel = (typeof TRUST_LEVELS)[number];

/** Where the runners of a profile run. */
export const SUBSTRATES = ["kubernetes-deployment", "arc-scale-set", "libvirt-vm", "ec2"] as const;
export type Substrate = (typeof SUBSTRATES)[number];

/** Defaults of the optional profile keys, quoted by the JSON Schema and the docs. */
export const PROFILE_DEFAULTS = {
  /** Forge the runners register with. */
  forge: "github" as Forge,
  /** GitHub runner group; runners registered without `--runnergroup` join "Default". */
  runnerGroup: "Default",
} as const;

const PROFILE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const profileLabel = z.string({ error: "must be a string" }).superRefine((v, ctx) => {
  if (v === "" || v.length > 256 || /[\s,]/.test(v)) {
    ctx.addIssue({
      code: "custom",
      message: v === "" ? "is empty" : v.length > 256 ? "is longer than 256 characters" : `"${v}" contains a comma or whitespace`,
      params: { fix: "give each label as its own list item, 1-256 characters, without commas or whitespace" },
    });
  }
});

const budget = (what: string) =>
  z.number({ error: "must be a number" }).superRefine((v, ctx) => {
    if (!Number.isInteger(v) || v < 1) {
      ctx.addIssue({ code: "custom", message: `${v} is not a whole number of 1 or more`, params: { fix: `set ${what} to the number of runners the profile can give (1 or more)` } });
    }
  });

/** One profile as written in the profiles file. */
export const runnerProfileSchema = strictObject({
  /** Profile name, unique in the file (lower-case letters, digits and "-"). */
  name: z.string({ error: "must be a string" }).superRefine((v, ctx) => {
    if (!PROFILE_NAME.test(v) || v.length > 63) {
      ctx.addIssue({ code: "custom", message: `"${v}" is not a profile name`, params: { fix: 'use lower-case letters, digits and "-" (at most 63), e.g. "arc-firecracker"' } });
    }
  }),
  /** One sentence on what the profile is for. */
  description: z.string().optional(),
  /** Forge the runners register with. @default "github" */
  forge: z.enum(FORGES).optional(),
  /** Every label the runners carry; a job is served when the profile has ALL its `runs-on` labels. */
  labels: z.array(profileLabel, { error: "must be a list of labels" }).min(1, { error: "must list at least one label" }),
  /** `trusted` or `untrusted`. */
  trust: z.enum(TRUST_LEVELS),
  /** Whether every job runs inside its own microVM or VM. */
  fenced: z.boolean(),
  /** Whether a runner takes one job and is then destroyed. */
  ephemeral: z.boolean(),
  /** Where the runners run. */
  substrate: z.enum(SUBSTRATES),
  /** GitHub runner group the runners join. @default "Default" */
  runnerGroup: z.string().min(1, { error: "is empty" }).optional(),
  /** Largest `strategy.max-parallel` a matrix job on this profile may ask for. */
  maxParallelPerJob: budget("maxParallelPerJob"),
  /** Most jobs of one workflow run that may hold runners of this profile at the same time. */
  maxConcurrentPerWorkflow: budget("maxConcurrentPerWorkflow"),
});

export type RunnerProfileInput = z.input<typeof runnerProfileSchema>;

/** The profiles file. */
export const runnerProfilesFileSchema = strictObject({
  profiles: z.array(runnerProfileSchema, { error: "must be a list of profiles" }),
});

export type RunnerProfilesFileInput = z.input<typeof runnerProfilesFileSchema>;

/** A profile with every default applied. */
export interface RunnerProfile {
  readonly name: string;
  readonly description?: string;
  readonly forge: Forge;
  readonly labels: readonly string[];
  readonly trust: TrustLevel;
  readonly fenced: boolean;
  readonly ephemeral: boolean;
  readonly substrate: Substrate;
  /** GitHub runner group; absent for Forgejo profiles. */
  readonly runnerGroup?: string;
  readonly maxParallelPerJob: number;
  readonly maxConcurrentPerWorkflow: number;
}

/** Whether a profile may take jobs that outsiders can trigger: ephemeral, fenced and untrusted. */
export function isUntrustedSafe(p: RunnerProfile): boolean {
  return p.ephemeral && p.fenced && p.trust === "untrusted";
}

const lower = (labels: readonly string[]) => new Set(labels.map((l) => l.toLowerCase()));
const isSubset = (a: ReadonlySet<string>, b: ReadonlySet<string>) => [...a].every((x) => b.has(x));

/**
 * Problems of a set of resolved profiles that no single profile shows: duplicate names, repeated
 * labels, a per-job budget above the per-workflow budget, and trusted and untrusted profiles whose
 * labels let a job aimed at one land on the other. `at(i)` names profile `i` in the messages.
 */
export function profileSetIssues(profiles: readonly RunnerProfile[], at: (i: number) => string = (i) => `profiles[${i}]`): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const names = new Map<string, number>();
  profiles.forEach((p, i) => {
    const first = names.get(p.name);
    if (first !== undefined) issues.push({ path: `${at(i)}.name`, message: `"${p.name}" is already the name of ${at(first)}`, fix: "give every profile a unique name" });
    else names.set(p.name, i);
    const seen = new Map<string, number>();
    p.labels.forEach((l, j) => {
      const prev = seen.get(l.toLowerCase());
      if (prev !== undefined) issues.push({ path: `${at(i)}.labels[${j}]`, message: `"${l}" repeats labels[${prev}] (labels compare case-insensitively)`, fix: "list each label once" });
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
  profiles.forEach((t, i) => {
    if (t.trust !== "trusted") return;
    profiles.forEach((u, j) => {
      if (u.trust !== "untrusted" || u.forge !== t.forge) return;
      const tl = lower(t.labels);
      const ul = lower(u.labels);
      if (isSubset(ul, tl)) {
        issues.push({
          path: `${at(j)}.labels`,
          message: `every label of untrusted profile "${u.name}" is also a label of trusted profile "${t.name}" (${at(i)}), so a job aimed at "${u.name}" can land on a trusted runner`,
          fix: `give "${u.name}" a label that "${t.name}" does not carry (trusted and untrusted pools must never share a label set)`,
        });
      } else if (isSubset(tl, ul)) {
        issues.push({
          path: `${at(i)}.labels`,
          message: `every label of trusted profile "${t.name}" is also a label of untrusted profile "${u.name}" (${at(j)}), so a job aimed at "${t.name}" can land on an untrusted runner`,
          fix: `give "${t.name}" a label that "${u.name}" does not carry (trusted and untrusted pools must never share a label set)`,
        });
      }
    });
  });
  return issues;
}

/**
 * Validates parsed profiles (any JSON-like value) and applies the defaults. Throws
 * {@link ConfigError} listing every problem with its key path and fix; `locate` may add where the
 * key sits in the source (e.g. `file:12`).
 */
export function resolveProfiles(input: unknown, subject = "runner profiles", locate: (path: readonly PropertyKey[]) => string | undefined = () => undefined): RunnerProfile[] {
  const parsed = runnerProfilesFileSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) {
    const issues = parsed.error.issues.flatMap((zi) =>
      zodIssues(new z.ZodError([zi])).map((ci, k) => withLocation(ci, locate(zi.code === "unrecognized_keys" ? [...zi.path, zi.keys[k] ?? ""] : zi.path))),
    );
    throw new ConfigError(issues, subject);
  }
  const profiles = parsed.data.profiles.map((p): RunnerProfile => {
    const forge = p.forge ?? PROFILE_DEFAULTS.forge;
    return {
      name: p.name,
      ...(p.description === undefined ? {} : { description: p.description }),
      forge,
      labels: [...p.labels],
      trust: p.trust,
      fenced: p.fenced,
      ephemeral: p.ephemeral,
      substrate: p.substrate,
      ...(forge === "github" ? { runnerGroup: p.runnerGroup ?? PROFILE_DEFAULTS.runnerGroup } : {}),
      maxParallelPerJob: p.maxParallelPerJob,
      maxConcurrentPerWorkflow: p.maxConcurrentPerWorkflow,
    };
  });
  const issues = profileSetIssues(profiles);
  parsed.data.profiles.forEach((p, i) => {
    if (p.forge !== "forgejo") return;
    if (p.runnerGroup !== undefined) {
      issues.push({ path: `profiles[${i}].runnerGroup`, message: "is a GitHub runner group, but the profile's forge is forgejo", fix: "remove runnerGroup from Forgejo profiles" });
    }
    p.labels.forEach((l, j) => {
      if (l.includes(":")) {
        const name = l.split(":")[0] ?? l;
        issues.push({ path: `profiles[${i}].labels[${j}]`, message: `"${l}" is a forgejo-runner label spec, not the label jobs ask for`, fix: `write the label name only ("${name}"), as workflows write it in runs-on` });
      }
    });
  });
  if (issues.length === 0 && profiles.length === 0) {
    issues.push({ path: "profiles", message: "lists no profiles", fix: "add at least one profile: { name, labels, trust, fenced, ephemeral, substrate, maxParallelPerJob, maxConcurrentPerWorkflow }" });
  }
  if (issues.length > 0) throw new ConfigError(issues.map((issue) => withLocation(issue, locate(keyPath(issue.path)))), subject);
  return profiles;
}

/** `profiles[1].labels[0]` -> `["profiles", 1, "labels", 0]`. */
function keyPath(path: string): (string | number)[] {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] === undefined ? (m[1] ?? "") : Number(m[2])));
}

function withLocation(issue: ConfigIssue, where: string | undefined): ConfigIssue {
  return where === undefined ? issue : { ...issue, message: `${issue.message} (${where})` };
}

/**
 * Parses the text of a profiles file (`config/runner-isolation.yaml`) and resolves it. Throws
 * {@link ConfigError} naming `file`, each key path and its line, and how to fix it. Pure: the
 * caller reads the file.
 */
export function parseProfiles(text: string, file: string): RunnerProfile[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return { path: `${file}:${pos.line}:${pos.col}`, message: `is not valid YAML (${e.code}: ${e.message.split("\n")[0] ?? ""})`, fix: "correct the YAML syntax there (yamllint shows the same problem)" };
      }),
      `runner profiles (${file})`,
    );
  }
  const locate = (path: readonly PropertyKey[]): string | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n) as (string | number)[], true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return `${file}:${lineCounter.linePos(node.range[0]).line}`;
    }
    return undefined;
  };
  return resolveProfiles(doc.toJS() ?? {}, `runner profiles (${file})`, locate);
}
