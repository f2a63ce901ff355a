/**
 * Runner profiles: the one source of runner labels and trust. A profile is a named set of labels
 * that workflows target (`runs-on`), with the trust level, isolation and concurrency budgets of
 * the runners behind it. `config/runner-isolation.yaml` lists the fleet's profiles; the JSON
 * Schema `config/runner-isolation.schema.json` describes the same file for editors, and a test
 * keeps the two in agreement.
 *
 * A profiles file is input from people, so reading it never crashes and never echoes a secret:
 * bytes that are not UTF-8 text, YAML that nests too deeply or expands aliases without end,
 * values of the wrong type or size and credential-shaped values are each refused with the file,
 * line or key path, and the fix (see {@link parseProfiles}).
 */
import { firstDuplicateKey } from "./yaml-duplicate-keys.ts";
import { z } from "zod";
import { isAlias, isCollection, isPair, LineCounter, parseDocument, type Document } from "yaml";
import { CREDENTIAL_REDACTED, credentialKind, redactCredentials } from "./credential-shape.ts";
import { type ConfigIssue, ConfigError } from "./issues.ts";
import { FORGE_KINDS, type ForgeKind } from "./forge.ts";
import { SUBSTRATE_KINDS, type SubstrateKind } from "./substrate.ts";
import { strictObject, zodIssues } from "./zod-issues.ts";

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

/**
 * Input text as it may appear in a message: credential shapes replaced, control characters
 * escaped (no terminal escape sequences), at most `max` characters.
 */
export function inputExcerpt(text: string, max = 60): string {
  // Redact a window wider than what is shown, so that a credential cut by the window stays whole
  // in what is shown (the credential patterns are slow on very long runs, hence the window).
  const window = text.length > max + 1000 ? text.slice(0, max + 1000) : text;
  // eslint-disable-next-line no-control-regex
  const safe = redactCredentials(window).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => (c === "\n" ? "\\n" : c === "\t" ? "\\t" : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`));
  if (safe.length <= max && window === text) return safe;
  const shown = `${safe.slice(0, max - 1)}…`;
  // A credential longer than the window, cut: show none of it.
  return CREDENTIAL_PREFIX.test(shown.slice(0, -1)) ? CREDENTIAL_REDACTED : shown;
}

/** The start of a known credential shape, for text cut short before a whole credential could be matched. */
const CREDENTIAL_PREFIX = /gh[pousr]_[A-Za-z0-9]{4}|github_pat_|glpat-|hv[sbr]\.[A-Za-z0-9_-]{4}|eyJ[A-Za-z0-9_-]{8}|A[KS]IA[A-Z0-9]{4}|-----BEGIN/;

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

/**
 * A key path as messages show it: `profiles[1].labels`, with a key that is not a plain name in
 * brackets and quotes (`profiles[0]["odd key"]`), so that no key can pass for part of the path or
 * hide a credential-shaped value from redaction behind a separator.
 */
export function keyPathText(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(String(part))) out += out === "" ? String(part) : `.${String(part)}`;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out;
}

/** Most issues listed in one error; the rest are counted (a garbage file can have thousands). */
const MAX_ISSUES = 50;

/**
 * The {@link ConfigError} for `issues`: each issue's path and texts shortened and redacted, so
 * that no credential and no runaway value is echoed, and at most {@link MAX_ISSUES} of them listed
 * (the message says how many there are in all; `total` when only the first were built).
 */
export function inputError(issues: readonly ConfigIssue[], subject: string, total = issues.length): ConfigError {
  const kept = issues.slice(0, MAX_ISSUES).map((i) => ({ path: inputExcerpt(i.path, 200), message: inputExcerpt(i.message, 2000), fix: inputExcerpt(i.fix, 2000) }));
  const error = new ConfigError(kept, inputExcerpt(subject, 300));
  const all = Math.max(total, issues.length);
  if (all > kept.length) error.message = error.message.replace(/ has \d+ problems?:\n/, ` has ${all} problems; the first ${kept.length} are listed:\n`);
  return error;
}

const YAML_TYPES: Readonly<Record<string, string>> = { object: "a mapping (key: value lines)", array: "a list", string: "a string", number: "a number", boolean: "true or false" };

/** A zod issue in the words of a YAML file: mappings and lists, quoting hints for scalars. */
function inYamlWords(issue: ConfigIssue, zi: z.core.$ZodIssue): ConfigIssue {
  if (zi.code !== "invalid_type" || !/^must be an? \w+$/.test(issue.message)) return issue;
  const expected = YAML_TYPES[zi.expected] ?? `a ${zi.expected}`;
  const input = (zi as { input?: unknown }).input;
  const got = describeValue(input);
  const quote = zi.expected === "string" && (typeof input === "number" || typeof input === "boolean" || input === null);
  return {
    path: issue.path,
    message: `must be ${expected}, not ${got}`,
    fix: quote ? `write ${issue.path || "it"} in quotes, so that YAML reads it as text (e.g. "${String(input)}")` : `set ${issue.path || "it"} to ${expected}`,
  };
}

/** What a parsed YAML value is, in words. */
export function describeValue(v: unknown): string {
  if (v === null) return "null (an empty value)";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "string") return "a string";
  if (typeof v === "number") return "a number";
  if (typeof v === "boolean") return "true or false";
  return typeof v;
}

/**
 * Validates parsed profiles (any JSON-like value) and applies the defaults. Throws
 * {@link ConfigError} listing every problem with its key path and fix; `locate` may add where the
 * key sits in the source (e.g. `file:12`).
 */
export function resolveProfiles(input: unknown, subject = "runner profiles", locate: (path: readonly PropertyKey[]) => string | undefined = () => undefined): RunnerProfile[] {
  const listed = input !== null && typeof input === "object" ? (input as { profiles?: unknown }).profiles : undefined;
  if (Array.isArray(listed) && listed.length > PROFILE_LIMITS.profiles) {
    throw inputError([withLocation({ path: "profiles", message: `lists ${listed.length} profiles, more than ${PROFILE_LIMITS.profiles}`, fix: `keep the fleet's real profiles (at most ${PROFILE_LIMITS.profiles}); a list this long is not a profiles file` }, locate(["profiles"]))], subject);
  }
  const parsed = runnerProfilesFileSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, MAX_ISSUES).flatMap((zi) =>
      zodIssues(new z.ZodError([zi])).map((ci, k) => {
        const path = zi.code === "unrecognized_keys" ? [...zi.path, zi.keys[k] ?? ""] : zi.path;
        return withLocation(inYamlWords({ ...ci, path: keyPathText(path) }, zi), locate(path));
      }),
    );
    throw inputError(issues, subject, parsed.error.issues.length);
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
        issues.push({ path: `profiles[${i}].labels[${j}]`, message: `"${inputExcerpt(l)}" is a forgejo-runner label spec, not the label jobs ask for`, fix: `write the label name only ("${inputExcerpt(name)}"), as workflows write it in runs-on` });
      }
    });
  });
  if (issues.length === 0 && profiles.length === 0) {
    issues.push({ path: "profiles", message: "lists no profiles", fix: "add at least one profile: { name, labels, trust, fenced, ephemeral, substrate, maxParallelPerJob, maxConcurrentPerWorkflow }" });
  }
  if (issues.length > 0) throw inputError(issues.slice(0, MAX_ISSUES).map((issue) => withLocation(issue, locate(keyPath(issue.path)))), subject, issues.length);
  return profiles;
}

/** `profiles[1].labels[0]` -> `["profiles", 1, "labels", 0]`. */
function keyPath(path: string): (string | number)[] {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] === undefined ? (m[1] ?? "") : Number(m[2])));
}

function withLocation(issue: ConfigIssue, where: string | undefined): ConfigIssue {
  return where === undefined ? issue : { ...issue, message: `${issue.message} (${where})` };
}

// ---------------------------------------------------------------------------------------------
// Reading YAML files that people wrote: text first, then YAML within limits.

/** Text of a file's bytes, or why they are not UTF-8 text (at which line) and how to fix that. */
export type DecodedText = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly line: number; readonly message: string; readonly fix: string };

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/** Line (1-based) of byte `offset`. */
function lineOfByte(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < bytes.length; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

/** Offset of the first byte that does not start a valid UTF-8 sequence, or -1. */
function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (n === 0) return i;
    for (let k = 1; k <= n; k++) if (((b[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    const d = b[i + 1]!;
    if ((c === 0xe0 && d < 0xa0) || (c === 0xed && d > 0x9f) || (c === 0xf0 && d < 0x90) || (c === 0xf4 && d > 0x8f)) return i;
    i += n + 1;
  }
  return -1;
}

const ICONV = (from: string) => `save it as UTF-8, e.g. iconv -f ${from} -t UTF-8 FILE > FILE.new && mv FILE.new FILE`;

/**
 * Decodes a file's bytes as UTF-8 text (a UTF-8 byte-order mark is dropped). UTF-16 and UTF-32
 * text, binary files (NUL bytes) and bytes that are not UTF-8 are told apart, each with its fix;
 * `binaryFix` says what to pass instead of a binary file.
 */
export function decodeText(bytes: Uint8Array, binaryFix = "pass the text file instead"): DecodedText {
  const [b0, b1, b2, b3] = [bytes[0], bytes[1], bytes[2], bytes[3]];
  if ((b0 === 0xff && b1 === 0xfe && b2 === 0 && b3 === 0) || (b0 === 0 && b1 === 0 && b2 === 0xfe && b3 === 0xff)) {
    return { ok: false, line: 1, message: "is UTF-32 text (it starts with a UTF-32 byte-order mark), not UTF-8", fix: ICONV("UTF-32") };
  }
  if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff)) {
    return { ok: false, line: 1, message: "is UTF-16 text (it starts with a UTF-16 byte-order mark), not UTF-8", fix: ICONV("UTF-16") };
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    // Mostly-ASCII UTF-16 without a byte-order mark: every other byte is NUL.
    const sample = bytes.subarray(0, 4096);
    let evenNul = 0;
    let oddNul = 0;
    for (let i = 0; i < sample.length; i++) {
      if (sample[i] !== 0) continue;
      if (i % 2 === 0) evenNul++;
      else oddNul++;
    }
    const half = sample.length / 2;
    if (evenNul > half * 0.9 || oddNul > half * 0.9) {
      return { ok: false, line: 1, message: "looks like UTF-16 text (every other byte is NUL), not UTF-8", fix: ICONV("UTF-16") };
    }
    return { ok: false, line: lineOfByte(bytes, nul), message: `is not text: it holds a NUL byte (line ${lineOfByte(bytes, nul)}), as binary files do`, fix: binaryFix };
  }
  try {
    return { ok: true, text: UTF8.decode(bytes) };
  } catch {
    const at = firstInvalidUtf8(bytes);
    const line = lineOfByte(bytes, Math.max(0, at));
    return { ok: false, line, message: `is not valid UTF-8 (line ${line} holds a byte that is not), so it is not the text file expected`, fix: `${ICONV("LATIN1")} (or the encoding it was written in), or ${binaryFix}` };
  }
}

/** How far a YAML document may go before it is refused. */
export interface YamlLimits {
  /** Nesting of lists and mappings. */
  readonly depth: number;
  /** Alias nodes (`*name`) in the document. */
  readonly aliases: number;
  /** Copies aliases may make while the document is turned into data (the `yaml` package's `maxAliasCount`). */
  readonly aliasExpansion: number;
  /** Nodes of the document, and values of the data once aliases are expanded. */
  readonly nodes: number;
}

export type YamlProblemKind = "syntax" | "duplicate-key" | "too-deep" | "aliases" | "too-large";

/** Why a YAML text cannot be read: where, what, and how to fix it. */
export interface YamlProblem {
  readonly kind: YamlProblemKind;
  readonly line: number;
  readonly column: number;
  readonly message: string;
  readonly fix: string;
  /** For a YAML syntax error, the parser's own words (shortened, redacted). */
  readonly detail?: string;
}

export type LoadedYaml =
  | { readonly ok: true; readonly doc: Document; readonly lineCounter: LineCounter; readonly data: unknown }
  | { readonly ok: false; readonly problems: YamlProblem[] };

/** At most this many YAML syntax errors are reported for one file (garbage has thousands). */
const MAX_SYNTAX_ERRORS = 10;

const isStackOverflow = (e: unknown) => e instanceof RangeError || /call stack|stack overflow/i.test(String((e as Error | undefined)?.message ?? e));

/**
 * Parses YAML that people wrote into plain data (mappings, lists, strings, numbers, booleans,
 * null), refusing with a {@link YamlProblem} each: syntax errors and duplicate keys (at most
 * {@link MAX_SYNTAX_ERRORS}), nesting deeper than `limits.depth`, too many aliases, an alias inside
 * the value it refers to (an endless value), alias expansion past `limits.aliasExpansion` (an
 * "alias bomb"), and more than `limits.nodes` values. `what` names the document in messages
 * ("a profiles file"). Never throws, and never quotes more of the input than a short excerpt.
 */
export function loadYaml(text: string, limits: YamlLimits, what: string): LoadedYaml {
  const lineCounter = new LineCounter();
  const at = (offset: number | undefined) => {
    const p = lineCounter.linePos(offset ?? 0);
    return { line: p.line, column: p.col };
  };
  const fail = (kind: YamlProblemKind, offset: number | undefined, message: string, fix: string): LoadedYaml => ({ ok: false, problems: [{ kind, ...at(offset), message, fix }] });
  const tooDeep = (offset: number | undefined) =>
    fail("too-deep", offset, `nests lists and mappings deeper than ${limits.depth} levels (line ${at(offset).line}), deeper than ${what} ever needs`, `remove the extra nesting: ${what} needs only a few levels of lists and mappings`);
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false, resolveKnownTags: false, logLevel: "error" });
  } catch (e) {
    return isStackOverflow(e) ? tooDeep(0) : fail("syntax", 0, `cannot be parsed as YAML (${inputExcerpt(String((e as Error).message ?? e))})`, "correct the YAML syntax (yamllint shows where)");
  }
  if (doc.errors.length > 0) {
    // A stack overflow while parsing leaves one error per level it unwound: report the first.
    const exhausted = doc.errors.find((e) => e.code === "RESOURCE_EXHAUSTION");
    const errors = exhausted ? [exhausted] : doc.errors;
    const problems = errors.slice(0, MAX_SYNTAX_ERRORS).map((e): YamlProblem => {
      const pos = at(e.pos[0]);
      if (e.code === "RESOURCE_EXHAUSTION") {
        return { kind: "too-deep", ...pos, message: `nests lists and mappings too deeply to be read (line ${pos.line}), deeper than ${what} ever needs`, fix: `remove the extra nesting: ${what} needs only a few levels of lists and mappings` };
      }
      if (e.code === "DUPLICATE_KEY") {
        return { kind: "duplicate-key", ...pos, message: `repeats a key of the same mapping (line ${pos.line}): one of the two values would be lost`, fix: "keep the key once, with the value you mean (a key may appear only once in a mapping)" };
      }
      const detail = `${e.code}: ${inputExcerpt(e.message.split("\n")[0] ?? "", 120)}`;
      return { kind: "syntax", ...pos, message: `is not valid YAML (${detail})`, fix: "correct the YAML syntax there (yamllint shows the same problem)", detail };
    });
    if (errors.length > MAX_SYNTAX_ERRORS) {
      const last = problems[problems.length - 1]!;
      problems.push({ ...last, kind: "syntax", message: `has ${errors.length - MAX_SYNTAX_ERRORS} more YAML errors after these`, fix: `check that this is ${what}: text this broken is usually another kind of file` });
    }
    return { ok: false, problems };
  }
  const duplicate = firstDuplicateKey(doc);
  if (duplicate !== undefined) {
    const pos = at(duplicate);
    return { ok: false, problems: [{ kind: "duplicate-key", ...pos, message: `repeats a key of the same mapping (line ${pos.line}): one of the two values would be lost`, fix: "keep the key once, with the value you mean (a key may appear only once in a mapping)" }] };
  }

  // The document's nodes, walked without recursion: depth, size, aliases and alias cycles.
  const range = (n: unknown) => (n as { range?: [number, number, number] } | null)?.range?.[0];
  const stack: { node: unknown; depth: number; exit?: true }[] = [{ node: doc.contents, depth: 1 }];
  const ancestors = new Set<unknown>();
  const anchors = new Map<string, unknown>();
  let nodes = 0;
  let aliases = 0;
  let firstAlias: number | undefined;
  for (let f = stack.pop(); f !== undefined; f = stack.pop()) {
    const { node, depth } = f;
    if (f.exit) {
      ancestors.delete(node);
      continue;
    }
    if (node === null || typeof node !== "object") continue;
    if (++nodes > limits.nodes) return fail("too-large", range(node), `holds more than ${limits.nodes} values, far more than ${what} has`, `check that this is ${what}, and keep only what it needs`);
    if (isAlias(node)) {
      firstAlias ??= range(node);
      if (++aliases > limits.aliases) {
        return fail("aliases", range(node), `uses more than ${limits.aliases} YAML aliases (*name)`, "write the values out instead of referring to them with aliases");
      }
      const target = anchors.get(node.source);
      const name = inputExcerpt(node.source, 40);
      if (target === undefined) {
        return fail("syntax", range(node), `has an alias *${name} (line ${at(range(node)).line}) that refers to no anchor &${name} before it`, `anchor the value with &${name} before the alias, or write the value out`);
      }
      if (ancestors.has(target)) {
        return fail("aliases", range(node), `has an alias *${name} (line ${at(range(node)).line}) inside the value anchored &${name}, so that value would contain itself without end`, `remove the alias *${name}, or anchor a value that does not contain it`);
      }
      continue;
    }
    const anchor = (node as { anchor?: string }).anchor;
    if (anchor) anchors.set(anchor, node);
    if (!isCollection(node)) continue;
    if (depth > limits.depth) return tooDeep(range(node));
    ancestors.add(node);
    stack.push({ node, depth, exit: true });
    for (let i = node.items.length - 1; i >= 0; i--) {
      const item: unknown = node.items[i];
      if (isPair(item)) {
        stack.push({ node: item.value, depth: depth + 1 });
        stack.push({ node: item.key, depth: depth + 1 });
      } else stack.push({ node: item, depth: depth + 1 });
    }
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: limits.aliasExpansion });
  } catch (e) {
    if (isStackOverflow(e)) return tooDeep(firstAlias);
    if (/Excessive alias count/.test(String((e as Error).message))) {
      return fail("aliases", firstAlias, `has YAML aliases (*name, the first at line ${at(firstAlias).line}) that expand to more copies than ${what} needs (more than ${limits.aliasExpansion}), as an "alias bomb" does`, "write the values out instead of nesting aliases of aliases");
    }
    return fail("syntax", 0, `cannot be read as data (${inputExcerpt(String((e as Error).message ?? e))})`, "correct the YAML there (yamllint shows the same problem)");
  }

  // The data once aliases are expanded: nesting and size again, since aliases can add both.
  const values: [unknown, number][] = [[data, 1]];
  let count = 0;
  for (let v = values.pop(); v !== undefined; v = values.pop()) {
    const [value, depth] = v;
    if (value === null || typeof value !== "object") continue;
    if (++count > limits.nodes) return fail("too-large", firstAlias, `holds more than ${limits.nodes} values once its aliases (the first at line ${at(firstAlias).line}) are expanded`, "write the values out instead of nesting aliases of aliases");
    if (depth > limits.depth) return fail("too-deep", firstAlias, `nests deeper than ${limits.depth} levels once its aliases (the first at line ${at(firstAlias).line}) are expanded`, "use aliases only for flat values, not to nest lists and mappings inside each other");
    for (const child of Object.values(value)) if (child !== null && typeof child === "object") values.push([child, depth + 1]);
  }
  return { ok: true, doc, lineCounter, data };
}

/** The limits a profiles file is read with. */
const PROFILE_YAML: YamlLimits = { depth: PROFILE_LIMITS.depth, aliases: PROFILE_LIMITS.aliases, aliasExpansion: 100, nodes: PROFILE_LIMITS.nodes };

const WHAT_TO_PASS = "pass the runner profiles file, a few KiB of YAML such as config/runner-isolation.yaml";

/**
 * Parses a profiles file (`config/runner-isolation.yaml`), given as its bytes (or as text), and
 * resolves it. Throws {@link ConfigError} naming `file`, each key path and its line, and how to
 * fix it: for bytes that are not UTF-8 text, files over {@link PROFILE_LIMITS}, YAML errors,
 * duplicate keys, nesting and alias bombs, a document that is not a mapping, and every invalid
 * value. Pure: the caller reads the file.
 */
export function parseProfiles(input: string | Uint8Array, file: string): RunnerProfile[] {
  const subject = `runner profiles (${file})`;
  const fail = (issues: ConfigIssue[]): never => {
    throw inputError(issues, subject);
  };
  const size = typeof input === "string" ? input.length : input.byteLength;
  if (size > PROFILE_LIMITS.fileBytes) {
    fail([{ path: file, message: `is ${size} bytes, more than a profiles file may be (${PROFILE_LIMITS.fileBytes} bytes)`, fix: WHAT_TO_PASS }]);
  }
  let text: string;
  if (typeof input === "string") {
    text = input;
    const nul = text.indexOf("\u0000");
    if (nul >= 0) fail([{ path: `${file}:${text.slice(0, nul).split("\n").length}`, message: "is not text: it holds a NUL character, as binary files do", fix: WHAT_TO_PASS }]);
  } else {
    const decoded = decodeText(input, WHAT_TO_PASS);
    if (!decoded.ok) fail([{ path: `${file}:${decoded.line}`, message: decoded.message, fix: decoded.fix.replace(/\bFILE\b/g, file) }]);
    text = (decoded as { text: string }).text;
  }
  const loaded = loadYaml(text, PROFILE_YAML, "a profiles file");
  if (!loaded.ok) fail(loaded.problems.map((p) => ({ path: `${file}:${p.line}:${p.column}`, message: p.message, fix: p.fix })));
  const { doc, lineCounter, data } = loaded as Extract<LoadedYaml, { ok: true }>;
  const lineOf = (node: unknown) => lineCounter.linePos((node as { range?: [number, number, number] } | null)?.range?.[0] ?? 0).line;
  if (data === null || data === undefined) {
    fail([{ path: `${file}:1`, message: "is empty: it holds no YAML value, so no profiles", fix: "list the fleet's profiles under a top-level profiles: key, as config/runner-isolation.yaml does" }]);
  }
  if (typeof data !== "object" || Array.isArray(data)) {
    fail([{
      path: `${file}:${lineOf(doc.contents)}`,
      message: `is ${describeValue(data)} at the top, not a mapping`,
      fix: Array.isArray(data) ? "put the list under a top-level profiles: key (profiles:, then the list indented below it), as config/runner-isolation.yaml does" : "make the file a mapping with a profiles: key that lists the profiles, as config/runner-isolation.yaml does",
    }]);
  }
  const locate = (path: readonly PropertyKey[]): string | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n) as (string | number)[], true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return `${file}:${lineCounter.linePos(node.range[0]).line}`;
    }
    return undefined;
  };
  return resolveProfiles(data, subject, locate);
}
