// Runs `runner-fleet provenance ...` as a process, with the program's error handling (see
// src/cli/main.ts), for end-to-end tests: `node test/provenance/cli-entry.ts provenance record ...`.
import { Command, CommanderError } from "commander";
import { provenanceCommand } from "../../src/cli/provenance.ts";
import { CliError, EXIT } from "../../src/cli/output.ts";

const program = new Command("runner-fleet").exitOverride().addCommand(provenanceCommand());
try {
  await program.parseAsync(process.argv.slice(2), { from: "user" });
} catch (e) {
  if (e instanceof CommanderError) process.exitCode = e.exitCode === 0 ? EXIT.ok : EXIT.usage;
  else if (e instanceof CliError || (e instanceof Error && e.name === "ConfigError")) {
    process.stderr.write(`runner-fleet: ${e.message}\n`);
    process.exitCode = e instanceof CliError ? e.exitCode : EXIT.usage;
  } else throw e;
}
