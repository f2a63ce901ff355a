/** Turns zod validation issues into {@link ConfigIssue}s that name the key path and the fix. */
import { z } from "zod";
import { type ConfigIssue, formatPath } from "./issues.ts";

const UNKNOWN_KEY = "is not a known key";

/**
 * An object schema that refuses unknown keys, reporting each one at its own key path with the
 * keys that are known.
 */
export function strictObject<T extends z.ZodRawShape>(shape: T) {
  const known = Object.keys(shape).join(", ");
  return z.strictObject(shape, { error: (iss) => (iss.code === "unrecognized_keys" ? `known keys: ${known}` : undefined) });
}

/**
 * The issues of a failed parse (run it with `{ reportInput: true }` so that missing keys are told
 * apart from wrong types), in document order, never quoting the rejected input value.
 */
export function zodIssues(error: z.ZodError, prefix = ""): ConfigIssue[] {
  return error.issues.flatMap((issue): ConfigIssue | ConfigIssue[] => {
    const path = formatPath(issue.path, prefix);
    switch (issue.code) {
      case "unrecognized_keys":
        return issue.keys.map((key) => ({
          path: formatPath([...issue.path, key], prefix),
          message: `${UNKNOWN_KEY} (${issue.message})`,
          fix: "remove it, or correct its spelling",
        }));
      case "custom": {
        const fix = (issue.params as { fix?: string } | undefined)?.fix ?? "see the configuration reference";
        return { path, message: issue.message, fix };
      }
      case "invalid_type": {
        if ((issue as { input?: unknown }).input === undefined) {
          return { path, message: "is required", fix: `set ${path || "it"} (see the configuration reference)` };
        }
        const message = issue.message.startsWith("Invalid input") ? `must be a${/^[aeiou]/.test(issue.expected) ? "n" : ""} ${issue.expected}` : issue.message;
        return { path, message, fix: `set ${path || "it"} to a value of type ${issue.expected}` };
      }
      case "invalid_value":
        return { path, message: `must be one of: ${issue.values.map(String).join(", ")}`, fix: `use one of: ${issue.values.map(String).join(", ")}` };
      case "too_small":
      case "too_big":
        return { path, message: issue.message.replace(/^Too (small|big): expected \w+ to /, "must "), fix: `change ${path || "the value"} to lie within the allowed range` };
      case "invalid_format":
        return { path, message: issue.message, fix: `write ${path} in the expected format` };
      default:
        return { path, message: issue.message, fix: "see the configuration reference" };
    }
  });
}
