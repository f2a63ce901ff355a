/**
 * `ForgejoRegistrationToken`: a Pulumi dynamic resource that mints a Forgejo runner registration
 * token once, through the forge's API (`GET .../actions/runners/registration-token`) or over SSH
 * (`forgejo actions generate-runner-token` on the forge host), and keeps it in the stack's state as a
 * secret output.
 *
 * Only `create` talks to the forge. A new token is minted when the forge URL, the scope or the
 * `registrationTrigger` changes (the resource is replaced); every other change, a rotated API token
 * included, is an in-place update that keeps the token. `read`, `update` and `delete` never call
 * the forge, so `pulumi refresh` and `pulumi destroy` work while the forge is down.
 *
 * The provider object is serialised into the state by Pulumi's closure serialiser and evaluated
 * again in the dynamic-provider process. It is therefore self-contained: its methods capture
 * nothing but the absolute URLs of the minting modules, which `create` loads with `import()` when
 * it runs (always in the same `pulumi up` that registered the resource, on the same machine).
 */
import * as pulumi from "@pulumi/pulumi";
import { parseForgejoRunnerScope } from "../model/forgejo-scope.ts";
import { type ResolvedForgejoSsh } from "../model/forgejo-vm.ts";
import { ConfigError, type ConfigIssue } from "../model/issues.ts";
import { parseForgeBaseUrl } from "../forge/forge-url.ts";
import { forgejoRunnerTokenCommand, sshArgs } from "../forge/forgejo-token-ssh.ts";
// Types only: at run time `create` loads these modules itself (see the module comment).
import type * as ScopeModule from "../model/forgejo-scope.ts";
import type * as ApiMintModule from "../forge/forgejo-token.ts";
import type * as SshMintModule from "../forge/forgejo-token-ssh.ts";

/** SSH access to the forge host, as `mintForgejoTokenOverSsh` takes it (see docs/forgejo-token.md). */
export type ForgejoTokenSsh = ResolvedForgejoSsh;

export interface ForgejoRegistrationTokenArgs {
  /** The forge's base URL (`forge.address`). A change mints a new token. */
  readonly forgeUrl: string;
  /** The scope in its config form (`forge.scope`), e.g. `org/acme`. A change mints a new token. */
  readonly scope: string;
  /**
   * Any text whose change should mint a new token, e.g. the runner's name, labels and version.
   * Nothing else re-mints.
   */
  readonly registrationTrigger: string;
  /** A Forgejo access token, to mint through the API. Always stored as a secret. Exactly one of `apiToken` and `ssh`. */
  readonly apiToken?: pulumi.Input<string>;
  /** SSH access to the forge host, to mint with the Forgejo CLI. Exactly one of `apiToken` and `ssh`. */
  readonly ssh?: ForgejoTokenSsh;
  /** Time limit of the forge request, in milliseconds. @default 10000 (API), 60000 (SSH) */
  readonly timeoutMs?: number;
  /** Allow a plain `http://` forge URL on a host other than loopback (the API token then travels in clear). @default false */
  readonly allowInsecureHttp?: boolean;
}

/** The key under which a missing or misplaced API token is reported. */
export const FORGE_API_TOKEN_CONFIG_KEY = "forgeApiToken";

function collect(f: () => unknown): ConfigIssue[] {
  try {
    f();
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return [...e.issues];
    throw e;
  }
}

/**
 * Every problem with the token settings, found without calling the forge: the URL, the scope, the
 * choice of API or SSH and, for SSH, every SSH setting. Components call it before they register
 * anything.
 */
export function forgejoRegistrationTokenIssues(args: Omit<ForgejoRegistrationTokenArgs, "apiToken"> & { readonly apiToken?: unknown }): ConfigIssue[] {
  const url = parseForgeBaseUrl(args.forgeUrl, { allowInsecureHttp: args.allowInsecureHttp === true });
  const issues: ConfigIssue[] = "issues" in url ? [...url.issues] : [];
  issues.push(...collect(() => parseForgejoRunnerScope(args.scope)));
  if (args.ssh === undefined && args.apiToken === undefined) {
    issues.push({ path: FORGE_API_TOKEN_CONFIG_KEY, message: "is not set, and no SSH access to the forge host is configured", fix: "run `pulumi config set --secret forgeApiToken <token>` with a Forgejo access token (see docs/forgejo-token.md for its scope), or mint over SSH (forge.tokenSource: ssh)" });
  }
  if (args.ssh !== undefined && args.apiToken !== undefined) {
    issues.push({ path: FORGE_API_TOKEN_CONFIG_KEY, message: "is set while the token is minted over SSH", fix: "remove it (`pulumi config rm forgeApiToken`), or mint through the API (forge.tokenSource: api)" });
  }
  if (args.ssh !== undefined && issues.every((i) => i.path !== "forge.scope")) {
    const ssh = args.ssh;
    const scope = parseForgejoRunnerScope(args.scope);
    issues.push(...collect(() => forgejoRunnerTokenCommand({ scope, ...optional(ssh, ["scopeUser", "forgejoUser", "configPath", "forgejoBinary"]) })));
    issues.push(...collect(() => sshArgs({ host: ssh.host, user: ssh.user, keyPath: ssh.keyPath, ...optional(ssh, ["port", "knownHostsPath"]) }, [])));
  }
  return issues;
}

/** The keys of `from` among `keys` that are set (optional properties stay absent, not undefined). */
function optional<T extends object, K extends keyof T>(from: T, keys: readonly K[]): { [P in K]?: Exclude<T[P], undefined> } {
  return Object.fromEntries(keys.filter((k) => from[k] !== undefined).map((k) => [k, from[k]])) as { [P in K]?: Exclude<T[P], undefined> };
}

/** `.ts` when this module runs from source (tests), `.js` when it runs from the built package. */
const MODULE_EXT = import.meta.url.endsWith(".ts") ? ".ts" : ".js";

/** Absolute URLs of the modules `create` loads; the only values the serialised provider captures. */
const MINT_MODULES = {
  api: new URL(`../forge/forgejo-token${MODULE_EXT}`, import.meta.url).href,
  ssh: new URL(`../forge/forgejo-token-ssh${MODULE_EXT}`, import.meta.url).href,
  scope: new URL(`../model/forgejo-scope${MODULE_EXT}`, import.meta.url).href,
} as const;

/** What the provider receives (secrets arrive unwrapped in the provider process). */
interface TokenInputs {
  readonly forgeUrl: string;
  readonly scope: string;
  readonly registrationTrigger: string;
  readonly source: "api" | "ssh";
  readonly apiToken?: string;
  readonly ssh?: ForgejoTokenSsh;
  readonly timeoutMs?: number;
  readonly allowInsecureHttp?: boolean;
}

/**
 * The dynamic provider. Each method is self-contained (see the module comment): helpers are
 * declared inside the methods, and only `MINT_MODULES` comes from outside.
 */
export const forgejoRegistrationTokenProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: TokenInputs) {
    const { parseForgejoRunnerScope: parseScope } = (await import(MINT_MODULES.scope)) as typeof ScopeModule;
    const scope = parseScope(inputs.scope);
    const timeout = inputs.timeoutMs === undefined ? {} : { timeoutMs: inputs.timeoutMs };
    let token: string;
    if (inputs.source === "ssh" && inputs.ssh !== undefined) {
      const { mintForgejoTokenOverSsh } = (await import(MINT_MODULES.ssh)) as typeof SshMintModule;
      token = await mintForgejoTokenOverSsh({ ...inputs.ssh, scope, ...timeout });
    } else {
      const { mintForgejoRegistrationToken } = (await import(MINT_MODULES.api)) as typeof ApiMintModule;
      token = await mintForgejoRegistrationToken({
        baseUrl: inputs.forgeUrl,
        scope,
        apiToken: inputs.apiToken ?? "",
        ...timeout,
        ...(inputs.allowInsecureHttp === undefined ? {} : { allowInsecureHttp: inputs.allowInsecureHttp }),
      });
    }
    const { apiToken: _apiToken, ...kept } = inputs;
    return { id: `${inputs.scope}@${inputs.forgeUrl}`, outs: { ...kept, token } };
  },

  async diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
    const differs = (key: string) => JSON.stringify(olds[key] ?? null) !== JSON.stringify(news[key] ?? null);
    const replaces = ["forgeUrl", "scope", "registrationTrigger"].filter(differs);
    // The API token is left out on purpose: rotating it must not mint a new registration token.
    const changes = replaces.length > 0 || ["source", "ssh", "timeoutMs", "allowInsecureHttp"].some(differs);
    return { changes, replaces, deleteBeforeReplace: false };
  },

  async update(_id: string, olds: Record<string, unknown>, news: TokenInputs) {
    const { apiToken: _apiToken, ...kept } = news;
    return { outs: { ...kept, token: olds["token"] } };
  },

  async read(id: string, props?: Record<string, unknown>) {
    return { id, props: props ?? {} };
  },

  async delete() {
    // Nothing to undo on the forge: a registration token is not an object that can be deleted.
  },
};

/**
 * A runner registration token, minted once and kept as a secret. Validation (URL, scope, API or
 * SSH settings) happens in the constructor, before anything is registered; failures of the forge
 * surface when the resource is created, so resources that depend on it are never touched.
 */
export class ForgejoRegistrationToken extends pulumi.dynamic.Resource {
  /** Pulumi type token: `pulumi-nodejs:dynamic/runner-fleet:ForgejoRegistrationToken`. */
  static readonly TYPE = "pulumi-nodejs:dynamic/runner-fleet:ForgejoRegistrationToken";

  /** The minted token (a secret). */
  declare readonly token: pulumi.Output<string>;
  /** The scope it registers runners with, in config form. */
  declare readonly scope: pulumi.Output<string>;
  declare readonly registrationTrigger: pulumi.Output<string>;

  constructor(name: string, args: ForgejoRegistrationTokenArgs, opts?: pulumi.CustomResourceOptions) {
    const issues = forgejoRegistrationTokenIssues(args);
    if (issues.length > 0) throw new ConfigError(issues, "Forgejo registration token");
    const props: Record<string, unknown> = {
      forgeUrl: parseForgeUrlText(args.forgeUrl, args.allowInsecureHttp === true),
      scope: args.scope,
      registrationTrigger: args.registrationTrigger,
      source: args.ssh === undefined ? "api" : "ssh",
      token: undefined,
    };
    if (args.apiToken !== undefined) props["apiToken"] = pulumi.secret(args.apiToken);
    if (args.ssh !== undefined) props["ssh"] = args.ssh;
    if (args.timeoutMs !== undefined) props["timeoutMs"] = args.timeoutMs;
    if (args.allowInsecureHttp !== undefined) props["allowInsecureHttp"] = args.allowInsecureHttp;
    super(forgejoRegistrationTokenProvider, name, props, { ...opts, additionalSecretOutputs: ["token", "apiToken"] }, "runner-fleet", "ForgejoRegistrationToken");
  }
}

/** The forge URL as the minting code will use it (no trailing slash), so an equivalent spelling never re-mints. */
function parseForgeUrlText(value: string, allowInsecureHttp: boolean): string {
  const url = parseForgeBaseUrl(value, { allowInsecureHttp });
  return "url" in url ? url.url.href.replace(/\/+$/, "") : value;
}
