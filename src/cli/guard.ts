/**
 * `runner-fleet guard`: checks workflow files against the fleet's runner profiles (from a
 * profiles file or from rendered stacks) and runs actionlint. Reading files, rendering stacks and
 * printing live here; the checks are in `src/audit/guard/`.
 */
import { isUtf8 } from "node:buffer";
import { closeSync, constants, existsSync, fstatSync, openSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync, type Dirent, type Stats } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { Command, Option } from "commander";
import { inputError } from "../model/input-excerpt.ts";
import { PROFILE_LIMITS, type RunnerProfile } from "../model/profile-schema.ts";
import { parseProfiles } from "../model/profiles.ts";
import { decodeText } from "../model/text-bytes.ts";
import {
  ACTIONLINT_CONFIG_PATH,
  actionlintConfigYaml,
  parseWorkflow,
  workflowLabels,
  WORKFLOW_LIMITS,
  findingText,
  forgeOfPath,
  githubAnnotation,
  profilesFromStacks,
  runGuard,
  sortFindings,
  type GuardFinding,
  type ProfilesFrom,
  type RenderedStackLike,
  type WorkflowFile,
} from "../audit/guard/index.ts";
import { CliError, EXIT, printJson, table, withProgress } from "./output.ts";
import { makeDirectory } from "../io/make-directory.ts";
import { renderStacks, stackOption } from "./stack-options.ts";

/** Workflow directories read when `--workflows` is not given (those that exist). */
export const DEFAULT_WORKFLOW_DIRS = [".github/workflows", ".forgejo/workflows"] as const;

const FORMATS = ["table", "json", "github"] as const;
type Format = (typeof FORMATS)[number];

interface GuardOpts {
  workflows?: string[];
  profiles?: string;
  fleet?: string[];
  stack: string;
  json?: boolean;
  format?: Format;
  emitActionlintConfig?: string | boolean;
  actionlint: boolean;
}

export function guardCommand(): Command {
  return new Command("guard")
    .description("Check workflows against the fleet's runner profiles: served labels, outsiders' triggers, concurrency and parallelism budgets; plus actionlint.")
    .option("--workflows <dir...>", `workflow directories or repository roots (default: ${DEFAULT_WORKFLOW_DIRS.join(" and ")} under the current directory, those that exist)`)
    .addOption(new Option("--profiles <file>", "runner profiles file, e.g. config/runner-isolation.yaml").conflicts("fleet"))
    .option("--fleet <stack-dir...>", "take the profiles from these Pulumi stacks, rendered offline")
    .addOption(stackOption("stack of the --fleet projects to render"))
    .option("--json", "print the findings as JSON (same as --format json)")
    .addOption(new Option("--format <format>", "output format").choices(FORMATS))
    .option("--emit-actionlint-config [path]", `write an actionlint config listing the fleet's labels (default path: ${ACTIONLINT_CONFIG_PATH}) and exit`)
    .option("--no-actionlint", "skip actionlint, run only the fleet checks")
    .showHelpAfterError()
    .exitOverride()
    .action(async (opts: GuardOpts) => {
      const format = outputFormat(opts);
      const { profiles, source, from } = await loadProfiles(opts);
      if (opts.emitActionlintConfig !== undefined && opts.emitActionlintConfig !== false) {
        const target = resolve(typeof opts.emitActionlintConfig === "string" ? opts.emitActionlintConfig : ACTIONLINT_CONFIG_PATH);
        try {
          makeDirectory(dirname(target));
        } catch (e) {
          throw new CliError(`--emit-actionlint-config ${target}: cannot create its folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). Fix: give a path in a folder you can write`);
        }
        try {
          writeFileSync(target, actionlintConfigYaml(profiles, source, spelledLabels(opts.workflows)));
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code ?? "EIO";
          throw new CliError(
            code === "EISDIR"
              ? `--emit-actionlint-config ${target}: is a directory, so the config cannot be written there. Fix: give the path of a file, e.g. ${join(target, "actionlint.yaml")}`
              : `--emit-actionlint-config ${target}: cannot be written (${code}). Fix: give a path in a folder you can write`,
          );
        }
        const rel = relative(process.cwd(), target);
        process.stderr.write(`runner-fleet guard: wrote ${rel === "" || rel.startsWith("..") ? target : rel}\n`);
        return;
      }
      const read = readWorkflows(opts.workflows);
      const files = read.files;
      const checked = await withProgress(`checking ${files.length} workflow file${files.length === 1 ? "" : "s"}`, () => runGuard(files, profiles, { profilesSource: source, profilesFrom: from, actionlint: opts.actionlint }), { quiet: format !== "table" });
      const findings = sortFindings([...read.findings, ...checked]);
      print(format, findings, files, profiles, source);
      if (findings.some((f) => f.severity !== "note")) process.exitCode = EXIT.findings;
    });
}

/** The labels the workflows spell (for the emitted actionlint config); none when there are no workflows to read. */
function spelledLabels(dirs: readonly string[] | undefined): string[] {
  let files: WorkflowFile[];
  try {
    files = readWorkflows(dirs).files;
  } catch {
    return [];
  }
  return workflowLabels(files.flatMap((f) => parseWorkflow(f).workflow ?? []));
}

function outputFormat(opts: GuardOpts): Format {
  if (opts.json && opts.format !== undefined && opts.format !== "json") throw new CliError(`--json and --format ${opts.format} ask for different outputs; give one of them`);
  return opts.json ? "json" : (opts.format ?? "table");
}

const PROFILES_EXAMPLE = "--profiles config/runner-isolation.yaml";

/**
 * Reads and parses the `--profiles` file. Every way it can be wrong is a {@link CliError} or a
 * `ConfigError` (exit 2) naming the file and the fix: missing, a directory, a FIFO or device (never
 * opened for reading, so never waited on), unreadable, too large (refused before reading), not
 * UTF-8 text, or invalid (see {@link parseProfiles}).
 */
export function readProfilesFile(given: string): RunnerProfile[] {
  const file = resolve(given);
  let st: Stats;
  try {
    st = statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw new CliError(`profiles file ${given} does not exist; pass the path of your runner profiles, e.g. ${PROFILES_EXAMPLE}`);
    if (code === "ELOOP") throw new CliError(`profiles file ${given} is a symbolic link that loops back on itself. Fix: point it at the profiles file, or pass the file itself, e.g. ${PROFILES_EXAMPLE}`);
    throw new CliError(`profiles file ${given} cannot be read (${errorText(e)}). Fix: make it readable by the user running the guard, or pass another file, e.g. ${PROFILES_EXAMPLE}`);
  }
  if (st.isDirectory()) {
    const inside = ["runner-isolation.yaml", "runner-isolation.yml"].map((f) => join(given, f)).find((f) => existsSync(f));
    throw new CliError(`profiles file ${given} is a directory, not a file. Fix: pass the profiles file itself, e.g. --profiles ${inside ?? join(given, "runner-isolation.yaml")}`);
  }
  if (!st.isFile()) throw new CliError(`profiles file ${given} is ${kindOf(st)}, not a file, so it was not read. Fix: pass the YAML profiles file itself, e.g. ${PROFILES_EXAMPLE}`);
  if (st.size > PROFILE_LIMITS.fileBytes) {
    throw new CliError(`profiles file ${given} is ${st.size} bytes, more than a profiles file may be (${PROFILE_LIMITS.fileBytes} bytes), so it was not read. Fix: pass the runner profiles file, a few KiB of YAML, e.g. ${PROFILES_EXAMPLE}`);
  }
  let bytes: Buffer;
  try {
    bytes = NODE_WORKFLOW_FS.readFile(Buffer.from(file), PROFILE_LIMITS.fileBytes);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const fix = code === "EACCES" || code === "EPERM" ? `make it readable by the user running the guard (chmod a+r ${given})` : `check the file and the file system it is on, or pass another file, e.g. ${PROFILES_EXAMPLE}`;
    throw new CliError(`profiles file ${given} cannot be read (${errorText(e)}). Fix: ${fix}`);
  }
  return parseProfiles(bytes, given);
}

async function loadProfiles(opts: GuardOpts): Promise<{ profiles: RunnerProfile[]; source: string; from: ProfilesFrom }> {
  if (opts.profiles !== undefined) {
    return { profiles: readProfilesFile(opts.profiles), source: opts.profiles, from: "file" };
  }
  if (opts.fleet !== undefined && opts.fleet.length > 0) {
    const stacks: RenderedStackLike[] = await renderStacks(opts.fleet, opts, opts.json === true || (opts.format !== undefined && opts.format !== "table"));
    const { profiles, issues } = profilesFromStacks(stacks);
    if (issues.length > 0) throw inputError(issues, "fleet runner profiles");
    const source = `the stacks ${opts.fleet.join(", ")}`;
    if (profiles.length === 0) throw new CliError(`${source} render no runners (no runnerPools output, runner Deployment or scale set with runners); pass --profiles instead, or check the stack settings`);
    return { profiles, source, from: "fleet" };
  }
  throw new CliError("guard needs the fleet's runner profiles: pass --profiles <file> (e.g. config/runner-isolation.yaml) or --fleet <stack-dir>");
}

/** The file-system calls {@link readWorkflows} makes; tests replace them to simulate failures. */
export interface WorkflowFs {
  /** Lists a directory: raw byte names and entry types, links not followed. */
  readonly readDir: (dir: string) => Dirent<Buffer>[];
  /** Stats a path, following symbolic links (ELOOP for a loop, ENOENT for a dangling link). */
  readonly stat: (path: Buffer) => Stats;
  readonly readLink: (path: Buffer) => Buffer;
  /**
   * Reads a regular file; never blocks on a FIFO swapped in after listing. A file larger than
   * `maxBytes` is not read: the error has code `EFBIG` and the file's `size`.
   */
  readonly readFile: (path: Buffer, maxBytes?: number) => Buffer;
}

export const NODE_WORKFLOW_FS: WorkflowFs = {
  readDir: (dir) => readdirSync(dir, { withFileTypes: true, encoding: "buffer" }),
  stat: (path) => statSync(path),
  readLink: (path) => readlinkSync(path, { encoding: "buffer" }),
  readFile: (path, maxBytes = WORKFLOW_LIMITS.bytes) => {
    const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) throw Object.assign(new Error("EINVAL: not a regular file"), { code: "EINVAL" });
      if (st.size > maxBytes) throw Object.assign(new Error(`EFBIG: file is ${st.size} bytes, more than ${maxBytes}`), { code: "EFBIG", size: st.size });
      return readFileSync(fd);
    } finally {
      closeSync(fd);
    }
  },
};

export interface ReadWorkflowsResult {
  readonly files: WorkflowFile[];
  /** Files that are there but could not be read (`unreadable`), or whose name is not UTF-8 (`file-name`). */
  readonly findings: GuardFinding[];
}

const WORKFLOW_NAME = /\.ya?ml$/;

/**
 * A byte name as text: itself when it is UTF-8 without control characters, else printable ASCII
 * kept and every other byte as `%XX` (so no name can carry a terminal escape sequence).
 */
function displayName(name: Buffer): string {
  // eslint-disable-next-line no-control-regex
  if (isUtf8(name) && !/[\u0000-\u001f\u007f-\u009f]/.test(name.toString("utf8"))) return name.toString("utf8");
  let out = "";
  for (const byte of name) out += byte > 0x20 && byte < 0x7f && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  return out;
}

const errorText = (e: unknown): string => {
  const err = e as NodeJS.ErrnoException;
  return /^[A-Z0-9]+: [^,]*/.exec(err.message)?.[0] ?? (err.code ? `${err.code}: ${err.message}` : String(e));
};

function kindOf(s: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isBlockDevice(): boolean; isCharacterDevice(): boolean }): string {
  if (s.isDirectory()) return "a directory";
  if (s.isFIFO()) return "a FIFO";
  if (s.isSocket()) return "a socket";
  if (s.isBlockDevice() || s.isCharacterDevice()) return "a device";
  return "not a regular file";
}

/** The text of a workflow file's bytes, or why it is not UTF-8 text and how to fix that. */
export function workflowText(bytes: Uint8Array) {
  return decodeText(bytes, "move a file that is not a workflow out of the workflows directory, or replace it with the workflow's YAML text");
}

const REPOSITORY_WORKFLOW_DIRS = [".github/workflows", ".forgejo/workflows", ".gitea/workflows"] as const;

/**
 * The workflow directories to read, each with the repository it belongs to: a directory given as a
 * repository root stands for the workflow directories inside it; a `…/.github/workflows` directory
 * belongs to the repository two levels up; any other directory is taken as a repository's
 * `.github/workflows` (its local `uses: ./.github/workflows/x.yml` calls resolve inside it).
 */
export function workflowDirs(given: readonly string[]): { dir: string; repository: string; workflowsDir: string }[] {
  const out: { dir: string; repository: string; workflowsDir: string }[] = [];
  const shown = (abs: string) => relative(process.cwd(), abs) || ".";
  for (const dir of given) {
    const abs = resolve(dir);
    const inner = REPOSITORY_WORKFLOW_DIRS.filter((w) => existsSync(join(abs, w)));
    if (inner.length > 0) {
      for (const w of inner) out.push({ dir: join(dir, w), repository: shown(abs), workflowsDir: w });
      continue;
    }
    const m = /(?:^|[\\/])(\.(?:github|forgejo|gitea)[\\/]workflows)[\\/]*$/.exec(abs);
    out.push(m ? { dir, repository: shown(abs.slice(0, abs.length - m[0].length) || "/"), workflowsDir: m[1]!.replace(/\\/g, "/") } : { dir, repository: shown(abs), workflowsDir: ".github/workflows" });
  }
  return out;
}

/**
 * Reads the `*.yml` and `*.yaml` files directly inside the workflow directories. A file that cannot
 * be read (permissions, a dangling or looping symbolic link, a FIFO, an I/O error) becomes an
 * `unreadable` finding and the others are still read; a name that is not UTF-8 is read by its bytes
 * and reported as `file-name`. Symbolic links are followed only to regular files. Throws a
 * {@link CliError} (exit 2) only for a missing directory or when no workflow file could be read.
 */
export function readWorkflows(dirs: readonly string[] | undefined, fs: WorkflowFs = NODE_WORKFLOW_FS): ReadWorkflowsResult {
  const chosen = dirs ?? DEFAULT_WORKFLOW_DIRS.filter((d) => existsSync(d));
  if (chosen.length === 0) throw new CliError(`no workflow directory found (looked for ${DEFAULT_WORKFLOW_DIRS.join(", ")} under ${process.cwd()}); pass --workflows <dir> (a workflows directory or a repository root)`);
  const files: WorkflowFile[] = [];
  const findings: GuardFinding[] = [];
  const problem = (file: string, rule: "unreadable" | "file-name", message: string, fix: string) => findings.push({ file, line: 1, job: "", rule, message, fix });
  for (const { dir, repository, workflowsDir } of workflowDirs(chosen)) {
    const abs = resolve(dir);
    let isDir = false;
    try {
      isDir = statSync(abs).isDirectory();
    } catch {
      isDir = false;
    }
    if (!isDir) {
      let isFile = false;
      try {
        isFile = statSync(abs).isFile();
      } catch {
        isFile = false;
      }
      if (isFile) throw new CliError(`workflow directory ${dir} is a file, not a directory; pass the directory that holds it, e.g. --workflows ${relative(process.cwd(), dirname(abs)) || "."}`);
      throw new CliError(`workflow directory ${dir} does not exist; pass an existing directory to --workflows`);
    }
    const shownDir = relative(process.cwd(), abs) || abs;
    let entries: Dirent<Buffer>[];
    try {
      entries = fs.readDir(abs);
    } catch (e) {
      problem(shownDir, "unreadable", `the workflow directory cannot be listed (${errorText(e)}), so none of its workflows were checked`, `make it readable by the user running the guard (chmod a+rx ${shownDir}), or run the guard as its owner`);
      continue;
    }
    const named = entries.filter((d) => WORKFLOW_NAME.test(d.name.toString("latin1"))).sort((a, b) => Buffer.compare(a.name, b.name));
    for (const entry of named) {
      const raw = Buffer.concat([Buffer.from(`${abs}/`), entry.name]);
      const shown = join(shownDir, displayName(entry.name));
      if (entry.isDirectory()) continue;
      if (entry.isSymbolicLink()) {
        let target = "";
        try {
          target = ` to ${displayName(fs.readLink(raw))}`;
        } catch {
          target = "";
        }
        let resolved: Stats;
        try {
          resolved = fs.stat(raw);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === "ELOOP") problem(shown, "unreadable", `is a symbolic link${target} that loops back on itself through other links, so it names no file`, `point ${shown} at a workflow file, or remove it`);
          else if (code === "ENOENT" || code === "ENOTDIR") problem(shown, "unreadable", `is a dangling symbolic link${target}: nothing exists there`, `point ${shown} at an existing workflow file, or remove it`);
          else problem(shown, "unreadable", `is a symbolic link${target} that cannot be followed (${errorText(e)})`, `make the link's target readable by the user running the guard, or remove the link`);
          continue;
        }
        if (!resolved.isFile()) {
          problem(shown, "unreadable", `is a symbolic link${target}, which is ${kindOf(resolved)}, not a workflow file`, `point ${shown} at a workflow file, or remove it`);
          continue;
        }
      } else if (!entry.isFile()) {
        problem(shown, "unreadable", `is ${kindOf(entry)}, not a workflow file, so it was not read`, `replace ${shown} with the workflow file, or remove it`);
        continue;
      }
      let bytes: Buffer;
      try {
        bytes = fs.readFile(raw, WORKFLOW_LIMITS.bytes);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EFBIG") {
          const size = (e as { size?: number }).size;
          problem(shown, "unreadable", `is ${size ?? "more than"} bytes, more than the ${WORKFLOW_LIMITS.bytes} the guard reads, so none of its jobs were checked`, `split ${shown} into several workflows, or move a file that is not a workflow out of the directory`);
          continue;
        }
        problem(
          shown,
          "unreadable",
          `cannot be read (${errorText(e)}), so none of its jobs were checked`,
          code === "EACCES" || code === "EPERM" ? `make it readable by the user running the guard (chmod a+r ${shown}), or run the guard as its owner` : `check ${shown} and the file system it is on, then run the guard again`,
        );
        continue;
      }
      const decoded = workflowText(bytes);
      if (!decoded.ok) {
        problem(shown, "unreadable", `${decoded.message}, so none of its jobs were checked`, decoded.fix.replace(/\bFILE\b/g, shown));
        continue;
      }
      const text = decoded.text;
      if (!isUtf8(entry.name)) {
        problem(shown, "file-name", `the file name is not valid UTF-8 (shown with %XX for the bytes that are not), so no workflow can call it with uses: and forges show it garbled; its jobs were still checked`, `rename it to a UTF-8 name, e.g. ${displayName(entry.name).replace(/%[0-9A-F]{2}/g, "_")}`);
      }
      files.push({ path: shown, text, forge: forgeOfPath(abs), repository, repoPath: `${workflowsDir}/${displayName(entry.name)}` });
    }
  }
  if (files.length === 0) {
    if (findings.length > 0) {
      throw new CliError(`no workflow file in ${chosen.join(", ")} could be read:\n${findings.map((f) => `  - ${f.file}: ${findingText(f)}`).join("\n")}`);
    }
    throw new CliError(`no workflow files (*.yml, *.yaml) in ${chosen.join(", ")}; pass the directory that holds them with --workflows`);
  }
  return { files, findings };
}

function print(format: Format, findings: readonly GuardFinding[], files: readonly WorkflowFile[], profiles: readonly RunnerProfile[], source: string): void {
  switch (format) {
    case "json":
      printJson({ profiles: { source, names: profiles.map((p) => p.name) }, workflows: files.map((f) => f.path), findings });
      return;
    case "github":
      for (const f of findings) process.stdout.write(`${githubAnnotation(f)}\n`);
      return;
    case "table": {
      const summary = `${files.length} workflow file${files.length === 1 ? "" : "s"} checked against ${profiles.length} profile${profiles.length === 1 ? "" : "s"} from ${source}`;
      if (findings.length === 0) {
        process.stdout.write(`${summary}: no findings\n`);
        return;
      }
      process.stdout.write(table(["FILE", "JOB", "RULE", "MESSAGE"], findings.map((f) => [`${f.file}:${f.line}`, f.job || "-", f.severity === "note" ? `${f.rule} (note)` : f.rule, findingText(f)])));
      const notes = findings.filter((f) => f.severity === "note").length;
      const errors = findings.length - notes;
      process.stdout.write(`${summary}: ${errors} finding${errors === 1 ? "" : "s"}${notes > 0 ? `, ${notes} note${notes === 1 ? "" : "s"} (not decidable statically; they do not fail the guard)` : ""}\n`);
      return;
    }
  }
}
