/**
 * `runner-fleet guard`: checks workflow files against the fleet's runner profiles (from a
 * profiles file or from rendered stacks) and runs actionlint. Reading files, rendering stacks and
 * printing live here; the checks are in `src/audit/guard/`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { Command, Option } from "commander";
import { ConfigError } from "../model/issues.ts";
import { parseProfiles, type RunnerProfile } from "../model/profiles.ts";
import {
  ACTIONLINT_CONFIG_PATH,
  actionlintConfigYaml,
  findingText,
  forgeOfPath,
  githubAnnotation,
  profilesFromStacks,
  runGuard,
  type GuardFinding,
  type ProfilesFrom,
  type RenderedResourceLike,
  type WorkflowFile,
} from "../audit/guard/index.ts";
import { CliError, EXIT, printJson, table } from "./output.ts";

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
    .option("--workflows <dir...>", `workflow directories (default: ${DEFAULT_WORKFLOW_DIRS.join(" and ")} under the current directory, those that exist)`)
    .addOption(new Option("--profiles <file>", "runner profiles file, e.g. config/runner-isolation.yaml").conflicts("fleet"))
    .option("--fleet <stack-dir...>", "take the profiles from these Pulumi stacks, rendered offline")
    .option("--stack <name>", "stack of the --fleet projects to render", "dev")
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
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, actionlintConfigYaml(profiles, source));
        process.stderr.write(`runner-fleet guard: wrote ${relative(process.cwd(), target) || target}\n`);
        return;
      }
      const files = readWorkflows(opts.workflows);
      const findings = await runGuard(files, profiles, { profilesSource: source, profilesFrom: from, actionlint: opts.actionlint });
      print(format, findings, files, profiles, source);
      if (findings.length > 0) process.exitCode = EXIT.findings;
    });
}

function outputFormat(opts: GuardOpts): Format {
  if (opts.json && opts.format !== undefined && opts.format !== "json") throw new CliError(`--json and --format ${opts.format} ask for different outputs; give one of them`);
  return opts.json ? "json" : (opts.format ?? "table");
}

async function loadProfiles(opts: GuardOpts): Promise<{ profiles: RunnerProfile[]; source: string; from: ProfilesFrom }> {
  if (opts.profiles !== undefined) {
    const file = resolve(opts.profiles);
    if (!existsSync(file) || !statSync(file).isFile()) throw new CliError(`profiles file ${opts.profiles} does not exist; pass the path of your runner profiles, e.g. --profiles config/runner-isolation.yaml`);
    return { profiles: parseProfiles(readFileSync(file, "utf8"), opts.profiles), source: opts.profiles, from: "file" };
  }
  if (opts.fleet !== undefined && opts.fleet.length > 0) {
    // Loaded only here: rendering pulls in the Pulumi SDK.
    const { renderStack } = await import("../offline/render-stack.ts");
    const stacks: { source: string; resources: readonly RenderedResourceLike[] }[] = [];
    for (const dir of opts.fleet) {
      const rendered = await renderStack(dir, { stack: opts.stack });
      stacks.push({ source: `${dir} (stack ${rendered.stack})`, resources: rendered.resources });
    }
    const { profiles, issues } = profilesFromStacks(stacks);
    if (issues.length > 0) throw new ConfigError(issues, "fleet runner profiles");
    const source = `the stacks ${opts.fleet.join(", ")}`;
    if (profiles.length === 0) throw new CliError(`${source} render no runners (no runner Deployment or scale set); pass --profiles instead, or check the stack settings`);
    return { profiles, source, from: "fleet" };
  }
  throw new CliError("guard needs the fleet's runner profiles: pass --profiles <file> (e.g. config/runner-isolation.yaml) or --fleet <stack-dir>");
}

function readWorkflows(dirs: readonly string[] | undefined): WorkflowFile[] {
  const chosen = dirs ?? DEFAULT_WORKFLOW_DIRS.filter((d) => existsSync(d));
  if (chosen.length === 0) throw new CliError(`no workflow directory found (looked for ${DEFAULT_WORKFLOW_DIRS.join(", ")} under ${process.cwd()}); pass --workflows <dir>`);
  const files: WorkflowFile[] = [];
  for (const dir of chosen) {
    const abs = resolve(dir);
    if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new CliError(`workflow directory ${dir} does not exist; pass an existing directory to --workflows`);
    for (const name of readdirSync(abs).filter((n) => /\.ya?ml$/.test(n)).sort()) {
      const full = join(abs, name);
      if (!statSync(full).isFile()) continue;
      files.push({ path: relative(process.cwd(), full) || full, text: readFileSync(full, "utf8"), forge: forgeOfPath(full) });
    }
  }
  if (files.length === 0) throw new CliError(`no workflow files (*.yml, *.yaml) in ${chosen.join(", ")}; pass the directory that holds them with --workflows`);
  return files;
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
      process.stdout.write(table(["FILE", "JOB", "RULE", "MESSAGE"], findings.map((f) => [`${f.file}:${f.line}`, f.job || "-", f.rule, findingText(f)])));
      process.stdout.write(`${summary}: ${findings.length} finding${findings.length === 1 ? "" : "s"}\n`);
      return;
    }
  }
}
