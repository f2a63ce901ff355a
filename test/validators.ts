// The system validators some tests run (shellcheck, cloud-init, libvirt, promtool, ...): one
// registry of what each is, how it is detected, which Debian package brings it and what it checks.
//
// A test that runs one is gated like this:
//
//   it("passes shellcheck", needs("shellcheck"), () => {
//     requireTool("shellcheck");
//     ...
//   });
//
// Where a validator is missing, `needs` skips the test and says how to install it (and the
// skip-summary reporter lists every such tool at the end of the run). With CI=true nothing may be
// skipped: `needs` lets the test run and `requireTool` fails it with the same install hint, so a CI
// machine without the validator fails clearly instead of passing without the check.
// `.ci/run` installs every package named here.
import { spawn, spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import type { TestOptions } from "node:test";

export interface Validator {
  /** Commands that must all be on PATH. */
  readonly commands: readonly string[];
  /** The Debian packages that install them (see .ci/run). */
  readonly packages: readonly string[];
  /** What the tests check with it. */
  readonly checks: string;
  /** Once the commands are there, a further check: why the validator cannot be used, or undefined. */
  readonly probe?: () => string | undefined;
  /** A step after installing, appended to the install command (e.g. starting a daemon). */
  readonly then?: string;
}

/** The libvirt URI of the real daemon the define test uses. */
export const LIBVIRT_SYSTEM_URI = "qemu:///system";

export const VALIDATORS = {
  shellcheck: {
    commands: ["shellcheck"],
    packages: ["shellcheck"],
    checks: "rendered shell scripts, systemd Exec lines and the shipped install/bootstrap scripts are shellcheck-clean",
  },
  "cloud-init": {
    commands: ["cloud-init"],
    packages: ["cloud-init"],
    checks: "user-data against cloud-init's schema and module keys, runcmd as its shellify assembles it, network-config through its own renderer",
  },
  "virt-xml-validate": {
    commands: ["virt-xml-validate", "xmllint"],
    packages: ["libvirt-clients", "libxml2-utils"],
    checks: "the domain XML against libvirt's RelaxNG schema (virt-xml-validate runs xmllint)",
  },
  virsh: {
    commands: ["virsh"],
    packages: ["libvirt-clients"],
    checks: "the domain XML defines with --validate on libvirt's test driver (test:///default)",
  },
  libvirtd: {
    commands: ["virsh"],
    packages: ["libvirt-daemon-system", "qemu-system-x86"],
    checks: `the domain XML defines in a real libvirtd with the QEMU driver (${LIBVIRT_SYSTEM_URI}), as KVM where /dev/kvm exists and under TCG`,
    probe: libvirtdProblem,
    then: "sudo systemctl start libvirtd",
  },
  promtool: {
    commands: ["promtool"],
    packages: ["prometheus"],
    checks: "the alert rules file: promtool check rules and promtool test rules",
  },
  packer: {
    commands: ["packer"],
    packages: ["packer"],
    checks: "the AMI template: packer validate",
  },
  yamllint: {
    commands: ["yamllint"],
    packages: ["yamllint"],
    checks: "the emitted actionlint config is clean YAML",
  },
  b3sum: {
    commands: ["b3sum"],
    packages: ["b3sum"],
    checks: "BLAKE3 manifests equal the b3sum tool's, computed apart from our code",
  },
  openssl: {
    commands: ["openssl"],
    packages: ["openssl"],
    checks: "provenance signatures verify with stock openssl; test signing keys",
  },
  curl: {
    commands: ["curl"],
    packages: ["curl"],
    checks: "the JIT minting and job-report scripts against a local stand-in GitHub",
  },
  jq: {
    commands: ["jq"],
    packages: ["jq"],
    checks: "the JIT minting script reads GitHub's answers with jq",
  },
  python3: {
    commands: ["python3"],
    packages: ["python3"],
    checks: "the signed canonical bytes equal Python's json.dumps(sort_keys=True)",
  },
  chromium: {
    commands: ["chromium"],
    packages: ["chromium"],
    checks: "the audit's HTML page in a real browser: a screenshot showing an open cell's red, and the matrix cells in the rendered DOM",
  },
} as const satisfies Record<string, Validator>;

export type ValidatorName = keyof typeof VALIDATORS;
export const VALIDATOR_NAMES = Object.keys(VALIDATORS) as ValidatorName[];

const registry: Record<ValidatorName, Validator> = VALIDATORS;

/** Whether CI=true: then a missing validator fails the tests that need it instead of skipping them. */
export const inCi = (): boolean => process.env["CI"] === "true";

/** The full path of `command` on PATH (as `command -v` finds it), or undefined. */
export function onPath(command: string, path = process.env["PATH"] ?? ""): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === "") continue;
    const file = join(dir, command);
    try {
      if (!statSync(file).isFile()) continue;
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** What keeps a validator from being used here: "<name> is not installed" or "is not available", with details. */
interface Problem {
  readonly name: ValidatorName;
  readonly state: "not installed" | "not available";
  readonly detail?: string;
}

const list = (words: readonly string[]): string => (words.length <= 1 ? words.join("") : `${words.slice(0, -1).join(", ")} and ${words.at(-1)!}`);

const detected = new Map<ValidatorName, Problem | undefined>();

function detect(name: ValidatorName): Problem | undefined {
  if (detected.has(name)) return detected.get(name);
  const v = registry[name];
  const absent = v.commands.filter((c) => onPath(c) === undefined);
  let problem: Problem | undefined;
  if (absent.length > 0) {
    // The validator's own command needs no words; say which other commands are missing.
    const others = absent.filter((c) => c !== name);
    const are = others.length === 1 ? "is" : "are";
    const detail =
      others.length === 0 ? undefined
      : absent.includes(name) ? `and neither ${are} ${list(others)}`
      : v.commands.includes(name) ? `it needs ${list(others)}, which ${are} not on PATH`
      : `${list(others)} ${are} not on PATH`;
    problem = { name, state: "not installed", ...(detail === undefined ? {} : { detail }) };
  } else {
    const why = v.probe?.();
    if (why !== undefined) problem = { name, state: "not available", detail: why };
  }
  detected.set(name, problem);
  return problem;
}

/** The command that installs `names` (and starts what must run), e.g. `sudo apt-get install -y shellcheck`. */
export function installCommand(names: readonly ValidatorName[]): string {
  const packages = [...new Set(names.flatMap((n) => registry[n].packages))];
  const then = [...new Set(names.flatMap((n) => registry[n].then ?? []))];
  return [`sudo apt-get install -y ${packages.join(" ")}`, ...then].join(" && ");
}

/** What is wrong with `problems`, tools without details grouped: "openssl and python3 are not installed". */
function describeProblems(problems: readonly Problem[]): string {
  const plain = problems.filter((p) => p.detail === undefined).map((p) => p.name);
  const clauses = plain.length > 0 ? [`${list(plain)} ${plain.length === 1 ? "is" : "are"} not installed`] : [];
  for (const p of problems) if (p.detail !== undefined) clauses.push(`${p.name} is ${p.state} (${p.detail})`);
  return clauses.join("; ");
}

/** The skip reason for missing validators: "<what is wrong>; install it with: <command>". */
function reasonFor(problems: readonly Problem[]): string {
  const names = problems.map((p) => p.name);
  return `${describeProblems(problems)}; install ${names.length === 1 ? "it" : "them"} with: ${installCommand(names)}`;
}

const problemsOf = (names: readonly ValidatorName[]): Problem[] => names.map(detect).filter((p): p is Problem => p !== undefined);

/** Whether every one of `names` can be used on this machine (detected once per process). */
export const available = (...names: ValidatorName[]): boolean => problemsOf(names).length === 0;

/**
 * The node:test options for a test (or suite) that runs `names`: `{ skip: reason }` where one is
 * missing, `{}` where all are there, and always `{}` with CI=true (then `requireTool` fails the test).
 */
export function needs(...names: ValidatorName[]): TestOptions {
  if (inCi()) return {};
  const problems = problemsOf(names);
  return problems.length === 0 ? {} : { skip: reasonFor(problems) };
}

/**
 * Throws, with the install command, unless every one of `names` can be used. Call it first in a
 * test gated with `needs` (same names): with CI=true this is what fails the test when one is missing.
 */
export function requireTool(...names: ValidatorName[]): void {
  const problems = problemsOf(names);
  if (problems.length === 0) return;
  const them = problems.length === 1 ? "it" : "them";
  const skipping = inCi() ? `CI=true, so the tests that need ${them} fail instead of skipping` : "gate this test with needs() to skip it on such machines";
  throw new Error(`${describeProblems(problems)}, and ${skipping}. Install ${them} with: ${installCommand(problems.map((p) => p.name))} (.ci/run, run as root, installs every validator)`);
}

/** The validators a skip reason made by `needs` names, in registry order; [] for any other reason. */
export function skippedValidators(reason: string): ValidatorName[] {
  const at = reason.search(/; install (?:it|them) with: sudo apt-get install -y /);
  if (at < 0) return [];
  const names = new Set<string>();
  for (const clause of reason.slice(0, at).split("; ")) {
    const subject = /^(.+?) (?:is|are) not (?:installed|available)\b/.exec(clause)?.[1];
    for (const word of subject?.split(/, | and /) ?? []) names.add(word);
  }
  return VALIDATOR_NAMES.filter((n) => names.has(n));
}

/** Why libvirtd cannot be used at qemu:///system, or undefined when it answers (started here by root if need be). */
function libvirtdProblem(): string | undefined {
  const connected = () => spawnSync("virsh", ["--connect", LIBVIRT_SYSTEM_URI, "uri"], { encoding: "utf8", timeout: 30_000 }).status === 0;
  if (connected()) return undefined;
  if (!existsSync("/usr/sbin/libvirtd")) return `nothing answers at ${LIBVIRT_SYSTEM_URI} and /usr/sbin/libvirtd is missing`;
  if (process.getuid?.() !== 0) return `nothing answers at ${LIBVIRT_SYSTEM_URI}, and only root can start the system daemon`;
  // Started as root (as .ci/run runs the tests); it exits by itself once idle, nothing to stop afterwards.
  const daemon = spawn("/usr/sbin/libvirtd", ["--timeout", "30"], { detached: true, stdio: "ignore" });
  daemon.unref();
  for (let i = 0; i < 40; i++) {
    if (connected()) return undefined;
    spawnSync("sleep", ["0.25"]);
  }
  return connected() ? undefined : `libvirtd was started but ${LIBVIRT_SYSTEM_URI} does not answer, see journalctl or run /usr/sbin/libvirtd by hand`;
}
