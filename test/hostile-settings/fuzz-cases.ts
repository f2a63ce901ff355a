/**
 * Seeded mutations of the four stacks' real settings files, for the settings fuzzer. Case `i` of
 * seed `s` is always the same file: stack `i % 4`, and a mutation drawn from a generator seeded
 * with (s, i), so that any case can be replayed on its own.
 *
 * Each case is tagged: "invalidating" mutations make the settings wrong for a careful user (an
 * unknown key, a required key deleted, a number out of range, a credential in plain text, broken
 * YAML, ...), so the render must refuse them with an issue that names the mutated key (or a key
 * above or below it; file-level problems may name the file instead). "anything" mutations may or
 * may not be valid (a deleted optional key, a zero, reordered keys, CRLF line ends); the render
 * may accept or refuse them, but must not crash.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, parseDocument, stringify } from "yaml";
import { REPO } from "../helpers.ts";
import { Dice } from "../fuzz-random.ts";
import * as planted from "./planted.ts";

export type Tag = "invalidating" | "anything";

export interface FuzzCase {
  readonly seed: number;
  readonly i: number;
  /** Project directory name under infra/pulumi. */
  readonly project: string;
  /** The mutation and its variant, e.g. "type-swap string->number". */
  readonly mutation: string;
  readonly tag: Tag;
  /** The mutated key path as issues name it (`runners[0].replicas`, `aws:region`); "" for the whole file. */
  readonly path: string;
  /** Other key paths an issue may name instead (a key the mutation makes wrong elsewhere). */
  readonly alsoPaths: readonly string[];
  /** A file-level refusal (naming the file) counts as naming the mutation. */
  readonly fileOk: boolean;
  /** The settings file. */
  readonly content: string | Buffer;
}

export const FUZZ_STACKS = [
  { project: "gh-runner", stack: "dev" },
  { project: "gh-runners-firecracker", stack: "dev" },
  { project: "foundation-runners", stack: "crunchy" },
  { project: "aws-firecracker-runners", stack: "dev" },
] as const;

type Seg = string | number;
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Kind = "object" | "array" | "string" | "number" | "boolean" | "null" | "secure";

interface Node {
  readonly path: readonly Seg[];
  readonly value: Json;
  readonly kind: Kind;
}

/** Keys of other namespaces that the stacks read and check (besides their own project's). */
const OWNED_PROVIDER_KEYS: Readonly<Record<string, readonly string[]>> = {
  "aws-firecracker-runners": ["aws:region", "aws:allowedAccountIds", "vault:address"],
};

/** Keys a stack cannot do without, as key-path patterns (`[*]` for any index). */
const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  "gh-runner": [
    "githubRepo", "runners", "runners[*].name", "runners[*].image", "runners[*].env[*].name", "runners[*].env[*].secretKeyRef", "runners[*].env[*].secretKeyRef.name",
    "runners[*].env[*].secretKeyRef.key", "runners[*].volumes[*].claimName", "runners[*].volumes[*].mountPath", "runners[*].configFiles[*].configMap", "runners[*].configFiles[*].key",
    "runners[*].configFiles[*].mountPath", "codexConfig", "codexConfig.enabled", "codexConfig.configToml",
  ],
  "gh-runners-firecracker": ["githubScope", "credentials", "credentials.kind", "githubToken", "podCidr", "serviceCidr", "nodeCidrs"],
  "foundation-runners": ["host", "host.address", "forge", "forge.address", "forge.scope", "vm", "vm.name", "vm.ipCidr", "vm.gateway", "vm.dns", "forgeApiToken"],
  "aws-firecracker-runners": [
    "aws:region", "accountId", "vault:address", "runner", "runner.githubUrl", "runner.egress", "runner.egress.allow", "runner.egress.allow[*].name", "runner.egress.allow[*].cidrs",
    "runner.egress.allow[*].prefixListId", "privateRoutes[*].destinationCidrBlock", "privateRoutes[*].transitGatewayId",
  ],
};

/** What deleting a required key makes wrong elsewhere: the key paths an issue may name instead. */
const DELETION_ALSO: Readonly<Record<string, readonly string[]>> = {
  "codexConfig": ["runners[0].configFiles[0].configMap"],
  "codexConfig.enabled": ["runners[0].configFiles[0].configMap"],
  "vm.ipCidr": ["vm.gateway"],
  "vault:address": ["runner.vault.address", "runner.vault"],
};

/** Numbers for which 0 is out of range (others may be 0: replicas, minRunners, capacity.min, ...). */
const ZERO_INVALID: Readonly<Record<string, readonly string[]>> = {
  "foundation-runners": ["vm.cpus", "vm.memoryMiB", "vm.diskGiB", "runner.capacity"],
  "aws-firecracker-runners": ["runner.capacity.max", "runner.rootVolumeGiB", "runner.egress.allow[*].port"],
};

/** Strings that may be very long as long as they hold no space (Kubernetes sets no length limit on environment variable names). */
const LONG_WORD_OK: Readonly<Record<string, readonly string[]>> = {
  "gh-runner": ["runners[*].env[*].name"],
};

/** Mappings whose keys are free (any key is valid): adding one is no unknown key. */
const FREE_MAPS: Readonly<Record<string, readonly string[]>> = {
  "aws-firecracker-runners": ["tags"],
  "gh-runners-firecracker": ["metrics.prometheus.podLabels", "metrics.monitorLabels", "scaleSets[*].metrics.prometheus.podLabels", "scaleSets[*].metrics.monitorLabels"],
};

/** Where an enumerated setting lives (or may be added), and its valid values. */
const ENUMS: Readonly<Record<string, readonly { readonly path: readonly Seg[]; readonly valid: readonly string[] }[]>> = {
  "gh-runner": [
    { path: ["runners", 0, "imagePullPolicy"], valid: ["IfNotPresent", "Always", "Never"] },
    { path: ["runners", 1, "imagePullPolicy"], valid: ["IfNotPresent", "Always", "Never"] },
  ],
  "gh-runners-firecracker": [{ path: ["credentials", "kind"], valid: ["pat", "app", "existingSecret"] }],
  "foundation-runners": [{ path: ["forge", "tokenSource"], valid: ["api", "ssh"] }],
  "aws-firecracker-runners": [
    { path: ["runner", "egress", "mode"], valid: ["endpoints", "nat"] },
    { path: ["runner", "egress", "allow", 0, "protocol"], valid: ["tcp", "udp"] },
    { path: ["runner", "egress", "allow", 3, "protocol"], valid: ["tcp", "udp"] },
  ],
};

/** Every key name the settings know, at any depth: a near miss must not land on one of them. */
const KNOWN_KEY_NAMES = new Set(
  `secretFiles secret namespace githubRepo githubUrl adoptExisting runners codexConfig githubToken enabled configToml name image labels replicas runnerGroup ephemeral replace disableUpdates
  workDir env volumes configFiles writablePaths resources tolerations nodeSelector imagePullPolicy securityContext relax value secretKeyRef key optional claimName mountPath
  readOnly subPath configMap requests limits cpu memory ephemeral-storage operator effect tolerationSeconds runAsUser runAsGroup fsGroup writableRootFilesystem
  allowPrivilegeEscalation addCapabilities unconfinedSeccomp githubScope credentials minRunners maxRunners scaleSetName runnerLabels useFirecracker runnerImage podCidr
  serviceCidr nodeCidrs firecrackerNodes githubAppPrivateKey kind appId installationId secretName controllerNamespace runnerNamespace kata version overhead hostNetwork
  privileged libvirtHostKey forgeApiToken host forge vm runner address user pool poolPath bridge firewallFix sshKeyPath allowInsecureHttp scope tokenSource ssh port keyPath
  knownHostsPath forgejoUser configPath forgejoBinary scopeUser ipCidr gateway dns cpus memoryMiB diskGiB baseImage url sha256 capacity accountId profile profilesFile
  natSubnetCidr availabilityZone logRetentionDays instanceRefresh lifecycleHooks ebsKmsKeyId permissionsBoundaryArn privateRoutes secretIdBroker tags trustLevel vpcCidr
  subnetCidr egress mode allow cidrs prefixListId protocol sessionManager allowedCidrs ecr pullRepositoryArns pushRepositoryArns instanceType ami id nameFilter owners min max
  desired rootVolumeGiB logGroupName metricNamespace path jitConfig runnerGroupId jitConfigMintedBy roleId wrappedSecretId kmsKeyArn vault githubTokenPath kvPath policyName approle secretIdTtl
  secretIdNumUses tokenTtl tokenMaxTtl destinationCidrBlock transitGatewayId vpcPeeringConnectionId wrapTtlSeconds vaultAwsAuthMount vaultIamServerId stsEndpoint stsRegion
  secure context region allowedAccountIds accessKey secretKey token networkPolicies extraEgress cidr ports`.split(/\s+/).filter((k) => k !== ""),
);

/** Fake credentials, in every shape the project refuses. */
const CREDENTIALS = [
  planted.FAKE_GITHUB_PAT,
  planted.FAKE_GITHUB_FINE_GRAINED,
  planted.FAKE_FORGEJO_TOKEN,
  planted.FAKE_AWS_ACCESS_KEY,
  planted.FAKE_VAULT_TOKEN,
  planted.FAKE_PRIVATE_KEY,
  `https://ci-bot:${planted.FAKE_PASSWORD}@git.example.com/org`,
  `https://git.example.com/org?access_token=${planted.FAKE_GITHUB_PAT}`,
  `ssh://${planted.FAKE_FORGEJO_TOKEN}@forge.example.com`,
];

// ---------------------------------------------------------------- the real settings

interface Base {
  readonly project: string;
  readonly stack: string;
  readonly text: string;
  readonly doc: { config: Record<string, Json> } & Record<string, Json>;
}

const bases = new Map<string, Base>();

function base(project: string, stack: string): Base {
  let b = bases.get(project);
  if (b === undefined) {
    const text = readFileSync(join(REPO, "infra/pulumi", project, `Pulumi.${stack}.yaml`), "utf8");
    b = { project, stack, text, doc: parse(text) as Base["doc"] };
    bases.set(project, b);
  }
  return b;
}

const isSecure = (v: Json): boolean => v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 1 && typeof v["secure"] === "string";

function kindOf(v: Json): Kind {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "object") return isSecure(v) ? "secure" : "object";
  return typeof v as "string" | "number" | "boolean";
}

function walk(config: Record<string, Json>): Node[] {
  const out: Node[] = [];
  const visit = (path: Seg[], value: Json) => {
    const kind = kindOf(value);
    out.push({ path, value, kind });
    if (kind === "object") for (const [k, v] of Object.entries(value as Record<string, Json>)) visit([...path, k], v);
    else if (kind === "array") (value as Json[]).forEach((v, i) => visit([...path, i], v));
  };
  for (const [k, v] of Object.entries(config)) visit([k], v);
  return out;
}

/** The key path as issues write it: the project's prefix dropped, other namespaces kept. */
export function formatKeyPath(project: string, path: readonly Seg[]): string {
  let out = "";
  path.forEach((seg, n) => {
    if (n === 0) out = String(seg).startsWith(`${project}:`) ? String(seg).slice(project.length + 1) : String(seg);
    else if (typeof seg === "number") out += `[${seg}]`;
    else out += `.${seg}`;
  });
  return out;
}

const patternOf = (project: string, path: readonly Seg[]) => formatKeyPath(project, path.map((s, n) => (n > 0 && typeof s === "number" ? -1 : s))).replace(/\[-1\]/g, "[*]");

function owned(project: string, path: readonly Seg[]): boolean {
  const head = String(path[0]);
  return head.startsWith(`${project}:`) || (OWNED_PROVIDER_KEYS[project] ?? []).includes(head);
}

const required = (project: string, path: readonly Seg[]) => (REQUIRED[project] ?? []).includes(patternOf(project, path));

function getAt(config: Record<string, Json>, path: readonly Seg[]): Json | undefined {
  let v: Json | undefined = config as Json;
  for (const seg of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, Json>)[seg as string];
  }
  return v;
}

function setAt(config: Record<string, Json>, path: readonly Seg[], value: Json): void {
  let v = config as Record<string, Json>;
  for (const seg of path.slice(0, -1)) v = v[seg as string] as Record<string, Json>;
  v[path[path.length - 1] as string] = value;
}

function deleteAt(config: Record<string, Json>, path: readonly Seg[]): void {
  let v = config as Record<string, Json>;
  for (const seg of path.slice(0, -1)) v = v[seg as string] as Record<string, Json>;
  const last = path[path.length - 1]!;
  if (Array.isArray(v)) v.splice(last as number, 1);
  else delete v[last as string];
}

/** Full config key of a stack key: `gh-runner:githubRepo`. */
const fullKey = (project: string, seg: Seg) => (String(seg).includes(":") ? String(seg) : `${project}:${String(seg)}`);

// ---------------------------------------------------------------- text helpers

/** Stands in for a value that `stringify` cannot write (deep nesting, alias bombs), replaced afterwards. */
const PLACEHOLDER = "ZZFUZZPLACEHOLDERZZ";

function deepFlow(depth: number, map: boolean): string {
  return map ? `${"{a: ".repeat(depth)}1${"}".repeat(depth)}` : `${"[".repeat(depth)}${"]".repeat(depth)}`;
}

function aliasBombFlow(levels: number): string {
  const items = [`&a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]`];
  for (let i = 1; i < levels; i++) items.push(`&a${i} [${Array(9).fill(`*a${i - 1}`).join(", ")}]`);
  return `[${items.join(", ")}]`;
}

function write(doc: unknown, replacement?: string): string {
  const text = stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
  return replacement === undefined ? text : text.replace(new RegExp(`["']?${PLACEHOLDER}["']?`), () => replacement);
}

/** Line numbers (0-based) inside block scalars (`key: |`), where YAML syntax does not apply. */
function blockScalarLines(lines: readonly string[]): Set<number> {
  const inside = new Set<number>();
  for (let n = 0; n < lines.length; n++) {
    if (!/:\s*[|>][-+]?\s*$/.test(lines[n]!)) continue;
    const indent = /^ */.exec(lines[n]!)![0].length;
    for (let m = n + 1; m < lines.length && (lines[m]!.trim() === "" || /^ */.exec(lines[m]!)![0].length > indent); m++) inside.add(m);
  }
  return inside;
}

// ---------------------------------------------------------------- mutations

interface Draft {
  mutation: string;
  tag: Tag;
  path: string;
  alsoPaths?: readonly string[];
  fileOk?: boolean;
  content: string | Buffer;
}

type Mutator = (d: Dice, b: Base, config: Record<string, Json>, nodes: readonly Node[]) => Draft | undefined;

const doc = (b: Base, config: Record<string, Json>) => ({ ...b.doc, config });

const typeSwap: Mutator = (d, b, config, nodes) => {
  const n = d.pick(nodes);
  const p = formatKeyPath(b.project, n.path);
  const quantity = /resources\.(requests|limits)\.[^.]+$/.test(p);
  const options = ((): [string, Json][] => {
    switch (n.kind) {
      case "object":
        return [["string", "a-string"], ["number", 42], ["boolean", true], ["list", [n.value]]];
      case "secure":
        return [["string", "plain-text-value"], ["number", 42], ["secure-number", { secure: 42 }], ["secure-extra-key", { ...(n.value as Record<string, Json>), extra: "x" }]];
      case "array":
        return [["string", "a-string"], ["number", 42], ["map", Object.fromEntries((n.value as Json[]).map((x, i) => [String(i), x]))]];
      case "string":
        return [["number", 42], ["boolean", true], ["list", [n.value]], ["map", { value: n.value }]];
      case "number":
        return [["string", "forty-two"], ["boolean", false], ["list", [n.value]]];
      case "boolean":
        return [["string", "yes"], ["number", 1], ["list", [n.value]]];
      case "null":
        return [["string", "x"]];
    }
  })();
  const [to, value] = d.pick(options);
  setAt(config, n.path, value);
  const anything = !owned(b.project, n.path) || (quantity && to === "number");
  return { mutation: `type-swap ${n.kind}->${to}`, tag: anything ? "anything" : "invalidating", path: p, content: write(doc(b, config)) };
};

const deleteKey: Mutator = (d, b, config, nodes) => {
  const members = nodes.filter((n) => typeof n.path[n.path.length - 1] === "string");
  const n = d.pick(members);
  deleteAt(config, n.path);
  const p = formatKeyPath(b.project, n.path);
  const req = owned(b.project, n.path) && required(b.project, n.path);
  return { mutation: "delete-key", tag: req ? "invalidating" : "anything", path: p, alsoPaths: DELETION_ALSO[patternOf(b.project, n.path)] ?? [], content: write(doc(b, config)) };
};

function nearMiss(d: Dice, key: string): string {
  const variants = [
    () => key.slice(0, -1),
    () => `${key}s`,
    () => (key.length > 2 ? key.slice(0, 1) + key.slice(2, 3) + key.slice(1, 2) + key.slice(3) : `${key}x`),
    () => key.toUpperCase(),
    () => key.charAt(0).toUpperCase() + key.slice(1),
    () => key.toLowerCase(),
    () => `${key.slice(0, Math.ceil(key.length / 2))}\u200b${key.slice(Math.ceil(key.length / 2))}`,
    () => `${key} `,
  ];
  return d.pick(variants)();
}

const unknownKey: Mutator = (d, b, config, nodes) => {
  const objects = nodes.filter((n) => n.kind === "object" && owned(b.project, n.path));
  const atTop = d.chance(0.25) || objects.length === 0;
  const parentPath: Seg[] = atTop ? [] : [...d.pick(objects).path];
  const parent = (atTop ? config : getAt(config, parentPath)) as Record<string, Json>;
  const siblings = Object.keys(parent).filter((k) => !atTop || k.startsWith(`${b.project}:`)).map((k) => (atTop ? k.slice(b.project.length + 1) : k));
  let key = siblings.length > 0 && d.chance(0.6) ? nearMiss(d, d.pick(siblings)) : `zz${d.pick(["Unknown", "extra", "legacy_setting", "Replicas2", "x-custom"])}${d.int(0, 99)}`;
  if (KNOWN_KEY_NAMES.has(key) || siblings.includes(key) || key === "") key = `zzUnknown${d.int(100, 999)}`;
  const value: Json = d.pick<Json>([1, "x", true, null, [], {}, siblings.length > 0 ? (parent[atTop ? `${b.project}:${siblings[0]!}` : siblings[0]!] ?? 1) : 1]);
  if (atTop) config[`${b.project}:${key}`] = value;
  else parent[key] = value;
  const path = atTop ? key : `${formatKeyPath(b.project, parentPath)}.${key}`;
  const free = !atTop && (FREE_MAPS[b.project] ?? []).includes(patternOf(b.project, parentPath));
  return { mutation: atTop ? "unknown-key top-level" : "unknown-key nested", tag: free ? "anything" : "invalidating", path, content: write(doc(b, config)) };
};

const prefixTypo: Mutator = (d, b, config) => {
  const keys = Object.keys(config).filter((k) => k.startsWith(`${b.project}:`));
  const key = d.pick(keys);
  const rest = key.slice(b.project.length + 1);
  const p = b.project;
  const variant = d.pick([
    ["other-case", p.charAt(0).toUpperCase() + p.slice(1)],
    ["upper-case", p.toUpperCase()],
    ["typo", p.slice(0, 3) + p.slice(4)],
    ["zero-width-space", `${p.slice(0, 4)}\u200b${p.slice(4)}`],
    ["trailing-space", `${p} `],
    ["underscore", p.replace(/-/g, "_")],
  ] as const);
  const renamed = `${variant[1]}:${rest}`;
  const entries = Object.entries(config).map(([k, v]): [string, Json] => (k === key ? [renamed, v] : [k, v]));
  return { mutation: `prefix ${variant[0]}`, tag: "invalidating", path: renamed, content: write(doc(b, Object.fromEntries(entries))) };
};

const invalidEnum: Mutator = (d, b, config) => {
  const spots = ENUMS[b.project] ?? [];
  const spot = d.pick(spots);
  const value = d.pick(["Sometimes", "carrier-pigeon", spot.valid[0]!.toUpperCase(), "-1", "", `${spot.valid[0]!} `]);
  setAt(config, spot.path.map((s, n) => (n === 0 ? fullKey(b.project, s) : s)), value);
  return { mutation: "invalid-enum", tag: "invalidating", path: formatKeyPath(b.project, [fullKey(b.project, spot.path[0]!), ...spot.path.slice(1)]), content: write(doc(b, config)) };
};

const numberMutation: Mutator = (d, b, config, nodes) => {
  const numbers = nodes.filter((n) => n.kind === "number" && owned(b.project, n.path));
  if (numbers.length === 0) return undefined;
  const n = d.pick(numbers);
  const p = formatKeyPath(b.project, n.path);
  const [variant, value] = d.pick<[string, number]>([
    ["negative", -1], ["negative", -d.int(2, 1_000_000)], ["negative", -1e308], ["zero", 0], ["huge", 1e9], ["huge", 1e12], ["huge", 2 ** 53 + 2], ["huge", 1e308],
    ["fraction", 0.5], ["fraction", 2.5], ["infinity", Infinity], ["infinity", -Infinity], ["nan", NaN],
  ]);
  setAt(config, n.path, value);
  const zeroOk = variant === "zero" && !(ZERO_INVALID[b.project] ?? []).includes(patternOf(b.project, n.path));
  return { mutation: `number ${variant}`, tag: zeroOk ? "anything" : "invalidating", path: p, content: write(doc(b, config)) };
};

const hugeString: Mutator = (d, b, config, nodes) => {
  const strings = nodes.filter((n) => n.kind === "string");
  const n = d.pick(strings);
  // Words, or one solid run kept short enough that a slow pattern still finishes.
  const words = d.chance(0.6);
  const value = words ? "lorem ipsum dolor sit amet ".repeat(Math.ceil(d.int(50_000, 300_000) / 27)) : "a".repeat(d.int(2_000, 8_000));
  setAt(config, n.path, value);
  const ok = !owned(b.project, n.path) || (!words && (LONG_WORD_OK[b.project] ?? []).includes(patternOf(b.project, n.path)));
  return { mutation: `huge-string ${words ? "words" : "solid"}`, tag: ok ? "anything" : "invalidating", path: formatKeyPath(b.project, n.path), fileOk: true, content: write(doc(b, config)) };
};

const longList: Mutator = (d, b, config, nodes) => {
  const lists = nodes.filter((n) => n.kind === "array" && (n.value as Json[]).length > 0);
  const n = d.pick(lists);
  const first = (n.value as Json[])[0]!;
  setAt(config, n.path, Array.from({ length: d.int(500, 3000) }, () => structuredClone(first)));
  const provider = !String(n.path[0]).startsWith(`${b.project}:`);
  return { mutation: "long-list of copies", tag: owned(b.project, n.path) && !provider ? "invalidating" : "anything", path: formatKeyPath(b.project, n.path), fileOk: true, content: write(doc(b, config)) };
};

const deepNesting: Mutator = (d, b, config, nodes) => {
  const n = d.pick(nodes);
  setAt(config, n.path, PLACEHOLDER);
  const map = d.chance(0.5);
  const depth = d.int(100, 5000);
  return { mutation: `deep-nesting ${map ? "maps" : "lists"}`, tag: owned(b.project, n.path) ? "invalidating" : "anything", path: formatKeyPath(b.project, n.path), fileOk: true, content: write(doc(b, config), deepFlow(depth, map)) };
};

const aliasBomb: Mutator = (d, b, config, nodes) => {
  const owners = nodes.filter((n) => owned(b.project, n.path));
  const asNew = d.chance(0.3);
  const path: Seg[] = asNew ? [`${b.project}:zzLaughs`] : [...d.pick(owners).path];
  setAt(config, path, PLACEHOLDER);
  return { mutation: `alias-bomb ${asNew ? "new-key" : "value"}`, tag: "invalidating", path: formatKeyPath(b.project, path), fileOk: true, content: write(doc(b, config), aliasBombFlow(d.int(8, 10))) };
};

const brokenYaml: Mutator = (d, b) => {
  const lines = b.text.split("\n");
  const scalar = blockScalarLines(lines);
  const keyLines = lines.map((l, n) => [l, n] as const).filter(([l, n]) => !scalar.has(n) && /^ +[^-#\s][^:]*:( |$)/.test(l));
  const variant = d.pick(["tab", "unclosed-quote", "duplicate-key", "unclosed-flow", "nul-byte", "invalid-utf8", "utf16", "truncated", "crlf", "utf8-bom"] as const);
  const [line, at] = d.pick(keyLines);
  const after = lines.slice(at + 1).join("\n");
  const replaceLine = (text: string) => [...lines.slice(0, at), text, ...lines.slice(at + 1)].join("\n");
  const valueStart = line.indexOf(": ") + 2;
  switch (variant) {
    case "tab":
      return { mutation: "broken-yaml tab", tag: "invalidating", path: "", fileOk: true, content: replaceLine(line.replace(/^ +/, "\t")) };
    case "unclosed-quote": {
      if (valueStart < 2) return undefined;
      return { mutation: "broken-yaml unclosed-quote", tag: after.includes('"') ? "anything" : "invalidating", path: "", fileOk: true, content: replaceLine(`${line.slice(0, valueStart)}"${line.slice(valueStart)}`) };
    }
    case "duplicate-key":
      return { mutation: "broken-yaml duplicate-key", tag: "invalidating", path: "", fileOk: true, content: [...lines.slice(0, at + 1), line.replace(/:.*$/, ": duplicate"), ...lines.slice(at + 1)].join("\n") };
    case "unclosed-flow": {
      if (valueStart < 2) return undefined;
      return { mutation: "broken-yaml unclosed-flow", tag: after.includes("]") ? "anything" : "invalidating", path: "", fileOk: true, content: replaceLine(`${line.slice(0, valueStart)}[${line.slice(valueStart)}, x`) };
    }
    case "nul-byte":
      return { mutation: "broken-yaml nul-byte", tag: "invalidating", path: "", fileOk: true, content: replaceLine(`${line}\u0000`) };
    case "invalid-utf8": {
      const bytes = Buffer.from(replaceLine(`${line}ZZINVALIDZZ`));
      const mark = bytes.indexOf("ZZINVALIDZZ");
      return { mutation: "broken-yaml invalid-utf8", tag: "invalidating", path: "", fileOk: true, content: Buffer.concat([bytes.subarray(0, mark), Buffer.from([0xc3, 0x28, 0xff]), bytes.subarray(mark + "ZZINVALIDZZ".length)]) };
    }
    case "utf16":
      return { mutation: "broken-yaml utf16", tag: "invalidating", path: "", fileOk: true, content: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(b.text, "utf16le")]) };
    case "truncated":
      return { mutation: "broken-yaml truncated", tag: "anything", path: "", fileOk: true, content: b.text.slice(0, d.int(0, b.text.length)) };
    case "crlf":
      return { mutation: "benign crlf", tag: "anything", path: "", content: b.text.replace(/\n/g, "\r\n") };
    case "utf8-bom":
      return { mutation: "benign utf8-bom", tag: "anything", path: "", content: `\ufeff${b.text}` };
  }
};

const credentialString: Mutator = (d, b, config, nodes) => {
  const strings = nodes.filter((n) => n.kind === "string");
  const n = d.pick(strings);
  const secret = d.pick(CREDENTIALS);
  const embed = d.chance(0.3) && typeof n.value === "string";
  setAt(config, n.path, embed ? `${n.value as string} ${secret}` : secret);
  return { mutation: `credential ${embed ? "appended" : "replacing"}`, tag: owned(b.project, n.path) ? "invalidating" : "anything", path: formatKeyPath(b.project, n.path), content: write(doc(b, config)) };
};

const emptyOrNull: Mutator = (d, b, config, nodes) => {
  const useNull = d.chance(0.5);
  const candidates = nodes.filter((n) => (useNull ? n.kind !== "null" : n.kind === "string"));
  const n = d.pick(candidates);
  setAt(config, n.path, useNull ? null : "");
  const listItem = typeof n.path[n.path.length - 1] === "number";
  const invalid = owned(b.project, n.path) && (required(b.project, n.path) || listItem);
  return { mutation: useNull ? "null-value" : "empty-string", tag: invalid ? "invalidating" : "anything", path: formatKeyPath(b.project, n.path), alsoPaths: DELETION_ALSO[patternOf(b.project, n.path)] ?? [], content: write(doc(b, config)) };
};

const benign: Mutator = (d, b, config) => {
  const variant = d.pick(["reorder", "comment", "quoted", "anchor"] as const);
  switch (variant) {
    case "reorder": {
      const entries = Object.entries(config);
      for (let i = entries.length - 1; i > 0; i--) {
        const j = d.int(0, i);
        [entries[i], entries[j]] = [entries[j]!, entries[i]!];
      }
      return { mutation: "benign reorder", tag: "anything", path: "", content: write(doc(b, Object.fromEntries(entries))) };
    }
    case "comment":
      return { mutation: "benign comment", tag: "anything", path: "", content: `${b.text}# a trailing comment: with a colon, "quotes" and a # hash\n` };
    case "quoted":
      return { mutation: "benign quoted", tag: "anything", path: "", content: stringify(doc(b, config), { lineWidth: 0, defaultStringType: "QUOTE_DOUBLE", defaultKeyType: "PLAIN" }) };
    case "anchor": {
      // Legitimate anchors: the second gh-runner runner takes the first one's resources through an
      // alias; elsewhere, a mapping gets an anchor nobody uses.
      const y = parseDocument(b.text);
      if (b.project === "gh-runner") {
        const first = y.getIn(["config", "gh-runner:runners", 0, "resources"], true) as { anchor?: string };
        first.anchor = "resources";
        y.setIn(["config", "gh-runner:runners", 1, "resources"], y.createAlias(first as never, "resources"));
        return { mutation: "benign alias", tag: "anything", path: "", content: y.toString({ lineWidth: 0 }) };
      }
      const maps = walk(config).filter((n) => n.kind === "object");
      const target = y.getIn(["config", ...d.pick(maps).path], true) as { anchor?: string } | undefined;
      if (target === undefined) return undefined;
      target.anchor = "unused";
      return { mutation: "benign anchor", tag: "anything", path: "", content: y.toString({ lineWidth: 0 }) };
    }
  }
};

const MUTATORS: readonly (readonly [Mutator, number])[] = [
  [typeSwap, 14],
  [deleteKey, 10],
  [unknownKey, 10],
  [prefixTypo, 3],
  [invalidEnum, 5],
  [numberMutation, 12],
  [hugeString, 5],
  [longList, 5],
  [deepNesting, 4],
  [brokenYaml, 9],
  [aliasBomb, 4],
  [credentialString, 10],
  [emptyOrNull, 8],
  [benign, 4],
];

/** Case `i` of seed `seed`. */
export function fuzzCase(seed: number, i: number): FuzzCase {
  const { project, stack } = FUZZ_STACKS[i % FUZZ_STACKS.length]!;
  const b = base(project, stack);
  const d = new Dice((Math.imul(seed, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b)) >>> 0);
  for (let attempt = 0; ; attempt++) {
    const config = structuredClone(b.doc.config);
    const mutator = d.weighted(MUTATORS);
    const draft = mutator(d, b, config, walk(config));
    if (draft !== undefined || attempt > 20) {
      const done = draft ?? { mutation: "benign none", tag: "anything" as const, path: "", content: b.text };
      return { seed, i, project, mutation: done.mutation, tag: done.tag, path: done.path, alsoPaths: done.alsoPaths ?? [], fileOk: done.fileOk ?? done.path === "", content: done.content };
    }
  }
}
