/**
 * Values that only matter at deploy time (an SSH key file, an environment variable a real
 * `pulumi up` needs) get a clearly marked placeholder in offline renders, so that rendering needs
 * no key, token or environment. The offline renderer opens a scope; stack readers ask for a
 * placeholder instead of failing, and the renderer reports every placeholder in one line.
 *
 * The scope lives on `globalThis` under a registered symbol, because the renderer and the stack
 * program may load two copies of this package (source and build).
 */

/** One value an offline render replaced with a placeholder. */
export interface DeployTimeValue {
  /** What is missing, as the user sets it: `RUNNER_SSH_KEY_PATH`. */
  readonly name: string;
  /** What it is needed for at deploy time. */
  readonly neededFor: string;
  /** The placeholder written in its place. */
  readonly placeholder: string;
}

const SCOPE = Symbol.for("runner-fleet.offline-render");
type Scope = { values: DeployTimeValue[] };
const slot = globalThis as { [SCOPE]?: Scope };

/** The prefix of every deploy-time placeholder. */
export const DEPLOY_TIME_PREFIX = "[deploy-time: ";

/** True while an offline render runs a stack program. */
export function isOfflineRender(): boolean {
  return slot[SCOPE] !== undefined;
}

/** True for a placeholder made by {@link deployTimePlaceholder}. */
export function isDeployTimePlaceholder(value: unknown): boolean {
  return typeof value === "string" && value.startsWith(DEPLOY_TIME_PREFIX);
}

/**
 * In an offline render, records `name` as a deploy-time value and returns its placeholder
 * (`[deploy-time: NAME]`); outside one, returns undefined so the caller reports the missing value.
 */
export function deployTimePlaceholder(name: string, neededFor: string): string | undefined {
  const scope = slot[SCOPE];
  if (scope === undefined) return undefined;
  const placeholder = `${DEPLOY_TIME_PREFIX}${name}]`;
  if (!scope.values.some((v) => v.name === name)) scope.values.push({ name, neededFor, placeholder });
  return placeholder;
}

/** Runs `body` as an offline render; returns its result and the placeholders it used. */
export async function withOfflineRender<T>(body: () => Promise<T>): Promise<{ result: T; deployTime: DeployTimeValue[] }> {
  const previous = slot[SCOPE];
  const scope: Scope = { values: [] };
  slot[SCOPE] = scope;
  try {
    return { result: await body(), deployTime: scope.values };
  } finally {
    if (previous === undefined) delete slot[SCOPE];
    else slot[SCOPE] = previous;
  }
}
