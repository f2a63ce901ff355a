/**
 * Runner profiles: the one source of runner labels and trust. A profile is a named set of labels
 * that workflows target (`runs-on`), with the trust level, isolation and concurrency budgets of
 * the runners behind it. `config/runner-isolation.yaml` lists the fleet's profiles; what a profile
 * is lives in `profile-schema.ts`, the checks across profiles in `profile-set.ts`.
 *
 * A profiles file is input from people, so reading it never crashes and never echoes a secret:
 * bytes that are not UTF-8 text, YAML that nests too deeply or expands aliases without end,
 * values of the wrong type or size and credential-shaped values are each refused with the file,
 * line or key path, and the fix (see {@link parseProfiles}).
 */
import { z } from "./zod.ts";
import { describeValue, inputError, inputExcerpt, keyPathText, MAX_ISSUES } from "./input-excerpt.ts";
import type { ConfigIssue } from "./issues.ts";
import { loadYaml, type LoadedYaml, type YamlLimits } from "./load-yaml.ts";
import { PROFILE_DEFAULTS, PROFILE_LIMITS, runnerProfilesFileSchema, type RunnerProfile } from "./profile-schema.ts";
import { profileSetIssues } from "./profile-set.ts";
import { decodeText } from "./text-bytes.ts";
import { zodIssues } from "./zod-issues.ts";

export * from "./profile-schema.ts";
export * from "./profile-set.ts";
export * from "./input-excerpt.ts";
export * from "./load-yaml.ts";
export * from "./text-bytes.ts";

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
