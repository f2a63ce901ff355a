/** Turns zod validation issues into {@link ConfigIssue}s that name the key path and the fix. */
import { z } from "./zod.ts";
import { didYouMean, hasInvisible, visible } from "./did-you-mean.ts";
import { type ConfigIssue, formatPath } from "./issues.ts";

const UNKNOWN_KEY = "is not a known key";

/**
 * A refinement: exactly one of `keys` is set (a volume's source, a probe's action, a variable's
 * value or source), else one issue with `message` and `fix` at the object's own path.
 */
export function exactlyOneOf(keys: readonly string[], message: string, fix: string) {
  return (v: object, ctx: z.RefinementCtx): void => {
    if (keys.filter((k) => (v as Record<string, unknown>)[k] !== undefined).length !== 1) ctx.addIssue({ code: "custom", message, params: { fix } });
  };
}

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
      case "unrecognized_keys": {
        const known = issue.message.startsWith("known keys: ") ? issue.message.slice("known keys: ".length).split(", ") : [];
        return issue.keys.map((key) => {
          const near = didYouMean(key, known);
          return {
            path: formatPath([...issue.path, visible(key)], prefix),
            message: `${UNKNOWN_KEY}${hasInvisible(key) ? " (it holds an invisible character)" : ""} (${issue.message})`,
            fix: near !== undefined ? `did you mean ${near}? Rename it` : "remove it, or correct its spelling",
          };
        });
      }
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
      case "invalid_value": {
        const values = issue.values.map(String).join(", ");
        // A schema's own words (`must be Always (a native sidecar) or left out`) say it better.
        if (!issue.message.startsWith("Invalid")) return { path, message: issue.message, fix: `use one of: ${values}, or remove ${path || "it"} where it is optional` };
        return { path, message: `must be one of: ${values}`, fix: `use one of: ${values}` };
      }
      case "too_small":
      case "too_big":
        return { path, message: issue.message.replace(/^Too (small|big): expected \w+ to /, "must "), fix: `change ${path || "the value"} to lie within the allowed range` };
      case "invalid_format":
        return { path, message: issue.message, fix: `write ${path} in the expected format` };
      case "invalid_union": {
        const custom = !issue.message.startsWith("Invalid input");
        return { path, message: custom ? issue.message : "matches none of the accepted forms", fix: custom ? `write ${path || "it"} in one of the forms named` : `write ${path || "it"} in one of the forms the configuration reference lists for it` };
      }
      case "invalid_key": {
        const inner = (issue as { issues?: readonly { message?: string }[] }).issues?.find((i) => i.message !== undefined && !i.message.startsWith("Invalid"))?.message;
        return inner === undefined ? { path, message: "has a key of the wrong form", fix: `check the keys under ${path || "it"} (text keys only)` } : { path, message: `is not a valid key: it ${inner}`, fix: `rename the key so that it ${inner}` };
      }
      case "invalid_element":
        return { path, message: "has an entry of the wrong form", fix: `check the entries of ${path || "it"}` };
      case "not_multiple_of":
        return { path, message: issue.message, fix: `change ${path || "the value"} to a multiple of ${String(issue.divisor)}` };
      default: {
        const message = (issue as { message: string }).message;
        return { path, message: message.startsWith("Invalid input") ? "has the wrong form" : message, fix: `correct ${path || "the value"} as the configuration reference describes it` };
      }
    }
  });
}
