/** TOML validity check with a real TOML parser. */
import { parse, TomlError } from "smol-toml";

/**
 * Returns why `text` is not valid TOML (first line of the parser's message, with line and
 * column), or `undefined` when it parses. The document text itself is never quoted.
 */
export function tomlProblem(text: string): string | undefined {
  try {
    parse(text);
    return undefined;
  } catch (e) {
    if (e instanceof TomlError) {
      const first = e.message.split("\n")[0] ?? "parse error";
      return `${first.replace(/^Invalid TOML document:\s*/, "")} at line ${e.line}, column ${e.column}`;
    }
    throw e;
  }
}
