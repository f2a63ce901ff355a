/** `runner-fleet`: render, validate, diff, audit and guard runner fleets offline. */
import { Command, CommanderError } from "commander";
import { CliError, EXIT } from "./output.ts";
import { renderCommand } from "./render.ts";
import { validateCommand } from "./validate.ts";
import { diffCommand } from "./diff.ts";
import { auditCommand } from "./audit.ts";
import { guardCommand } from "./guard.ts";
import { provenanceCommand } from "./provenance.ts";

export function buildProgram(): Command {
  const program = new Command("runner-fleet")
    .description("Render, validate, diff, audit and guard self-hosted CI runner fleets offline: no cluster, no cloud, no Pulumi CLI.")
    .version("0.1.0")
    .showHelpAfterError()
    .exitOverride();
  for (const command of [renderCommand(), validateCommand(), diffCommand(), auditCommand(), guardCommand(), provenanceCommand()]) {
    // addCommand() does not pass settings down: usage errors must end in exit code 2, not process.exit(1).
    command.copyInheritedSettings(program);
    for (const sub of command.commands) sub.copyInheritedSettings(command);
    program.addCommand(command);
  }
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
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
