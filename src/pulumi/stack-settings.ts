/**
 * Pulumi's runtime config as a {@link StackSettingsSource}: the stack programs read their settings
 * through the one reader of `src/model/stack-settings.ts`, exactly as the offline CLI does.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, type ConfigIssue } from "../model/issues.ts";
import { type StackSettingsSource } from "../model/stack-settings.ts";

/** The settings Pulumi hands this program (every namespace), with their secret flags. */
export function pulumiSettings(project: string = pulumi.getProject()): StackSettingsSource {
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean };
  const all = () => pulumi.runtime.allConfig();
  return {
    project,
    keys: () => Object.keys(all()),
    get: (k) => {
      const values = all();
      return Object.hasOwn(values, k) ? values[k] : undefined;
    },
    // `isConfigSecret` is part of the SDK's runtime but missing from its type declarations.
    isSecret: (k) => runtime.isConfigSecret?.(k) ?? true,
  };
}

/** A secret setting of the project as a Pulumi secret, or undefined when unset. */
export function secretSetting(source: StackSettingsSource, key: string): pulumi.Output<string> | undefined {
  const value = source.get(`${source.project}:${key}`);
  return value === undefined ? undefined : pulumi.secret(value);
}

/**
 * The issues of a model resolver (`resolve(input)` throwing {@link ConfigError}), with `prefix`
 * before each path, leaving out those under a key the reader has already reported.
 */
export function modelIssues(resolve: () => unknown, reported: readonly ConfigIssue[], prefix = ""): ConfigIssue[] {
  try {
    resolve();
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const at = (p: string) => (prefix === "" ? p : p === "" ? prefix : p.startsWith("[") ? `${prefix}${p}` : `${prefix}.${p}`);
    const covered = (p: string) => reported.some((r) => p === r.path || p.startsWith(`${r.path}.`) || p.startsWith(`${r.path}[`));
    return e.issues.map((i) => ({ ...i, path: at(i.path) })).filter((i) => !covered(i.path));
  }
}
