/**
 * What a runner profile is: its keys, their limits and defaults, and the zod schema a profiles
 * file is checked with (the JSON Schema `config/runner-isolation.schema.json` describes the same
 * file for editors, and a test keeps the two in agreement).
 */
import { z } from "./zod.ts";
import { credentialKind } from "./credential-shape.ts";
import { FORGE_KINDS, type ForgeKind } from "./forge.ts";
import { inputExcerpt } from "./input-excerpt.ts";
import { SUBSTRATE_KINDS, type SubstrateKind } from "./substrate.ts";
import { strictObject } from "./zod-issues.ts";


/** Where a profile's runners register (the forge axis, `forge.ts`). */
export type Forge = ForgeKind;

/** Who may send work to a profile: `untrusted` runners take jobs from forks and outsiders. */
export const TRUST_LEVELS = ["trusted", "untrusted"] as const;
export type TrustLevel = (typeof TRUST_LEVELS)[number];

/** Where the runners of a profile run (the substrate axis, `substrate.ts`). */
export type Substrate = SubstrateKind;

/** Defaults of the optional profile keys, quoted by the JSON Schema and the docs. */
export const PROFILE_DEFAULTS = {
  /** Forge the runners register with. */
  forge: "github" as Forge,
  /** GitHub runner group; runners registered without `--runnergroup` join "Default". */
  runnerGroup: "Default",
} as const;

/**
 * Sizes past which a profiles file is refused. Real files are a few KiB with a handful of
 * profiles; the limits only stop input that would make the guard slow or its messages unreadable.
 */
export const PROFILE_LIMITS = {
  /** Bytes of the whole file. */
  fileBytes: 1 << 20,
  /** Profiles in one file. */
  profiles: 1000,
  /** Labels of one profile. */
  labels: 100,
  /** Characters of a label (GitHub's limit). */
  labelLength: 256,
  /** Characters of a description. */
  descriptionLength: 2000,
  /** Characters of a runner group name. */
  runnerGroupLength: 256,
  /** Largest budget (`maxParallelPerJob`, `maxConcurrentPerWorkflow`). */
  budget: 100_000,
  /** Nesting of lists and mappings (a profiles file needs 4). */
  depth: 32,
  /** YAML aliases (`*name`) in the file. */
  aliases: 100,
  /** Nodes of the YAML document. */
  nodes: 200_000,
} as const;

const PROFILE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** An issue for a credential-shaped string value, naming its kind, never its value. */
function refuseCredential(v: string, ctx: z.RefinementCtx, where: string): boolean {
  const kind = credentialKind(v);
  if (kind === undefined) return false;
  ctx.addIssue({
    code: "custom",
    message: `looks like a secret (${kind}), so it is not shown here, and a secret has no place in a profiles file`,
    params: { fix: `remove it from ${where} and write what the key asks for; if it was a real credential, revoke it (the file is not secret and may already be in version control)` },
  });
  return true;
}

/** Control characters (and Unicode line separators) other than line feeds and tabs: never part of a name, label or sentence. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/;

const boundedString = (what: string, max: number, where: string, allowEmpty = true) =>
  z.string({ error: "must be a string" }).superRefine((v, ctx) => {
    if (!allowEmpty && v === "") {
      ctx.addIssue({ code: "custom", message: "is empty", params: { fix: `give ${what} a value, or leave the key out` } });
    } else if (v.length > max) {
      ctx.addIssue({ code: "custom", message: `is ${v.length} characters long, more than ${max}`, params: { fix: `shorten ${what} to ${max} characters or fewer` } });
    } else if (!refuseCredential(v, ctx, where) && CONTROL.test(v)) {
      ctx.addIssue({ code: "custom", message: "holds a control character (such as an escape or NUL)", params: { fix: `write ${what} as plain text` } });
    }
  });

const profileLabel = z.string({ error: "must be a string" }).superRefine((v, ctx) => {
  if (v.length > PROFILE_LIMITS.labelLength) {
    ctx.addIssue({ code: "custom", message: `is longer than ${PROFILE_LIMITS.labelLength} characters`, params: { fix: `give each label as its own list item, 1-${PROFILE_LIMITS.labelLength} characters, without commas or whitespace` } });
    return;
  }
  if (refuseCredential(v, ctx, "the labels")) return;
  if (v === "" || /[\s,]/.test(v) || CONTROL.test(v)) {
    ctx.addIssue({
      code: "custom",
      message: v === "" ? "is empty" : `"${inputExcerpt(v)}" contains a comma, whitespace or a control character`,
      params: { fix: `give each label as its own list item, 1-${PROFILE_LIMITS.labelLength} characters, without commas or whitespace` },
    });
  }
});

const budget = (what: string) =>
  z.number({ error: "must be a number" }).superRefine((v, ctx) => {
    if (!Number.isInteger(v) || v < 1) {
      ctx.addIssue({ code: "custom", message: `${v} is not a whole number of 1 or more`, params: { fix: `set ${what} to the number of runners the profile can give (1 or more)` } });
    } else if (v > PROFILE_LIMITS.budget) {
      ctx.addIssue({ code: "custom", message: `${v} is more than ${PROFILE_LIMITS.budget}, more runners than any fleet gives`, params: { fix: `set ${what} to the number of runners the profile can give (1 to ${PROFILE_LIMITS.budget})` } });
    }
  });

/** One profile as written in the profiles file. */
export const runnerProfileSchema = strictObject({
  /** Profile name, unique in the file (lower-case letters, digits and "-"). */
  name: z.string({ error: "must be a string" }).superRefine((v, ctx) => {
    if (v.length <= 63 && refuseCredential(v, ctx, "the profile's name")) return;
    if (!PROFILE_NAME.test(v) || v.length > 63) {
      ctx.addIssue({ code: "custom", message: `"${inputExcerpt(v)}" is not a profile name`, params: { fix: 'use lower-case letters, digits and "-" (at most 63), e.g. "arc-firecracker"' } });
    }
  }),
  /** One sentence on what the profile is for. */
  description: boundedString("the description", PROFILE_LIMITS.descriptionLength, "the description").optional(),
  /** Forge the runners register with. @default "github" */
  forge: z.enum(FORGE_KINDS).optional(),
  /** Every label the runners carry; a job is served when the profile has ALL its `runs-on` labels. */
  labels: z
    .array(profileLabel, { error: "must be a list of labels" })
    .min(1, { error: "must list at least one label" })
    .superRefine((v, ctx) => {
      if (v.length > PROFILE_LIMITS.labels) {
        ctx.addIssue({ code: "custom", message: `lists ${v.length} labels, more than ${PROFILE_LIMITS.labels}`, params: { fix: `keep the labels jobs ask for (at most ${PROFILE_LIMITS.labels})` } });
      }
    }),
  /** `trusted` or `untrusted`. */
  trust: z.enum(TRUST_LEVELS),
  /** Whether every job runs inside its own microVM or VM. */
  fenced: z.boolean(),
  /** Whether a runner takes one job and is then destroyed. */
  ephemeral: z.boolean(),
  /** Where the runners run. */
  substrate: z.enum(SUBSTRATE_KINDS),
  /** GitHub runner group the runners join. @default "Default" */
  runnerGroup: boundedString("runnerGroup", PROFILE_LIMITS.runnerGroupLength, "runnerGroup", false).optional(),
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
