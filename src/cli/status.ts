/**
 * `runner-fleet status <stack-dir>...`: the declared fleet (rendered offline) against what each
 * forge it registers with reports: pools registered or not and with which labels, runners nobody
 * declared, and why each waiting job waits. Read-only, except `--prune`, which removes offline
 * runners nobody declared after a typed confirmation.
 */
import { Command, Option } from "commander";
import { diagnose, healthy } from "../audit/status/diagnose.ts";
import { readRunnerPools, RUNNER_POOLS_OUTPUT } from "../audit/guard/pool-profiles.ts";
import { ForgeError } from "../forge/forge-error.ts";
import type { StatusClient, StatusClientOptions, StatusLimits } from "../forge/status-client.ts";
import { STATUS_LIMITS } from "../forge/status-client.ts";
import { githubUrlScope } from "../model/aws/github-registration.ts";
import type { ForgeKind } from "../model/forge.ts";
import { inputError } from "../model/input-excerpt.ts";
import type { ConfigIssue } from "../model/issues.ts";
import type { RunnerPool } from "../model/substrate.ts";
import { CliError, EXIT, printJson, withProgress } from "./output.ts";
import { type AuthFlags, statusAuth } from "./status-auth.ts";
import { statusJson, statusMarkdown, statusTable, type StatusResult, type TargetResult } from "./status-format.ts";
import { confirmAndPrune } from "./status-prune.ts";
import { readStatusState, trackOffline, writeStatusState } from "./status-state.ts";
import { configFileOption, renderStacks, stackOption } from "./stack-options.ts";

const FORMATS = ["table", "json", "markdown"] as const;
/** With a state file, how long an offline runner nobody declared stays before it is stale. */
const OFFLINE_FOR_MINUTES = 60;
type Format = (typeof FORMATS)[number];

interface StatusOpts extends AuthFlags {
  readonly stack?: string;
  readonly configFile?: string;
  readonly json?: boolean;
  readonly format?: Format;
  readonly url?: string;
  readonly scope?: string;
  readonly repo?: string[];
  readonly threshold: number;
  readonly timeout: number;
  readonly maxRequests: number;
  readonly maxRateLimitWait: number;
  readonly prune?: boolean;
  readonly stateFile?: string;
  readonly offlineFor?: number;
}

/** One forge scope the declared pools register with, and the pools that do. */
export interface StatusTarget {
  readonly forge: ForgeKind;
  /** The forge's web address, without a path. */
  readonly url: string;
  /** The scope in the forge's own form (GitHub `acme/app`, Forgejo `repo/acme/app`). */
  readonly scope: string;
  readonly version?: string;
  readonly pools: RunnerPool[];
}

const number = (flag: string, min: number, max: number, unit: string) => (v: string) => {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || n < min || n > max) throw new CliError(`${flag} "${v.slice(0, 20)}" is not a whole number of ${unit} from ${min} to ${max}. Fix: give e.g. ${flag} ${min === 0 ? 5 : min * 2}`);
  return n;
};

/** The forge scopes the pools register with; a pool whose stack does not say where needs `--url`/`--scope`. */
export function statusTargets(pools: readonly { source: string; index: number; pool: RunnerPool }[], flags: { url?: string; scope?: string }): StatusTarget[] {
  const targets = new Map<string, StatusTarget>();
  const issues: ConfigIssue[] = [];
  for (const { source, index, pool } of pools) {
    const at = `${source}: ${RUNNER_POOLS_OUTPUT}[${index}] (${pool.name})`;
    const url = pool.registration?.url ?? flags.url;
    if (url === undefined) {
      issues.push({ path: `${at}.registration`, message: "does not say where the runners register", fix: pool.forge === "github" ? "set the stack's GitHub URL and scope (e.g. githubRepo), or pass --url https://github.com/<org or owner/repo>" : "pass --url https://<forgejo host> and --scope org/<name>" });
      continue;
    }
    let target: Omit<StatusTarget, "pools">;
    if (pool.forge === "github") {
      const found = URL.canParse(url) ? githubUrlScope(url) : `"${url.slice(0, 80)}" is not a URL`;
      if (typeof found === "string") {
        issues.push({ path: `${at}.registration.url`, message: `${found}, so there is no scope to ask about`, fix: "give the URL the runners register with, e.g. https://github.com/acme or https://github.com/acme/app (--url when the stack does not say)" });
        continue;
      }
      const s = found.scope;
      target = { forge: "github", url: found.base, scope: s.kind === "repo" ? `${s.owner}/${s.repo}` : s.kind === "org" ? s.org : `enterprises/${s.enterprise}` };
    } else {
      const scope = pool.registration?.scope ?? flags.scope;
      if (scope === undefined) {
        issues.push({ path: `${at}.registration.scope`, message: "is not known: the runners' registration token decides it", fix: 'pass --scope with the scope the token was minted for: "instance", "user", "org/<name>" or "repo/<owner>/<name>"' });
        continue;
      }
      const version = pool.registration?.version;
      target = { forge: "forgejo", url: url.replace(/\/+$/, ""), scope, ...(version === undefined ? {} : { version }) };
    }
    const key = `${target.forge} ${target.url} ${target.scope}`;
    const existing = targets.get(key);
    if (existing === undefined) targets.set(key, { ...target, pools: [pool] });
    else existing.pools.push(pool);
  }
  if (issues.length > 0) throw inputError(issues, "where the runner pools register");
  return [...targets.values()];
}

/** Creates the forge client for a target (the forge modules load only when needed). */
const clientFor = async (forge: ForgeKind, options: StatusClientOptions): Promise<StatusClient> =>
  forge === "github" ? (await import("../forge/github-status.ts")).createGithubStatusClient(options) : (await import("../forge/forgejo-status.ts")).createForgejoStatusClient(options);

/** Asks each target's forge, diagnoses, and returns what to print and the clients to prune with. */
export async function runStatus(
  targets: readonly StatusTarget[],
  opts: { limits: StatusLimits; auth: AuthFlags; repositories?: readonly string[]; thresholdMinutes: number; quiet: boolean; offline?: { state: Map<string, string>; staleAfterMinutes: number } },
): Promise<{ result: StatusResult; clients: Map<TargetResult, StatusClient> }> {
  const results: TargetResult[] = [];
  const clients = new Map<TargetResult, StatusClient>();
  for (const t of targets) {
    const shownScope = `${new URL(t.url).host}/${t.scope}`;
    const base = { forge: t.forge, scope: shownScope, pools: t.pools.map((p) => p.name) };
    const auth = statusAuth(t.forge, opts.auth);
    const declaredLabels = [...new Set(t.pools.flatMap((p) => p.labels))];
    // --repo narrows where an organisation's or enterprise's jobs are looked for; a repository scope has its own.
    const wide = t.forge === "github" && (!t.scope.includes("/") || t.scope.startsWith("enterprises/"));
    const repositories = wide ? opts.repositories : undefined;
    const client = await clientFor(t.forge, { url: t.url, scope: t.scope, auth, limits: opts.limits, declaredLabels, ...(repositories === undefined ? {} : { repositories }), ...(t.version === undefined ? {} : { version: t.version }) });
    try {
      const snapshot = await withProgress(`asking ${shownScope}`, () => client.snapshot(), { quiet: opts.quiet });
      const report = opts.offline === undefined ? diagnose(t.pools, snapshot) : diagnose(t.pools, trackOffline(snapshot, opts.offline.state), undefined, opts.offline.staleAfterMinutes);
      const removeWith = new Map(report.stale.map((r) => [r.id, client.deleteCall(r.id)]));
      const result: TargetResult = { ...base, report, unseen: snapshot.unseen, removeWith, takenAt: new Date(snapshot.takenAt) };
      results.push(result);
      clients.set(result, client);
    } catch (e) {
      if (!(e instanceof ForgeError)) throw e;
      results.push({ ...base, unseen: [], removeWith: new Map(), takenAt: new Date(), error: e.message });
    }
  }
  const reports = results.flatMap((r) => (r.report === undefined ? [] : [r.report]));
  const result: StatusResult = { targets: results, thresholdMinutes: opts.thresholdMinutes, healthy: reports.every((r) => healthy(r, opts.thresholdMinutes)), ...(opts.offline === undefined ? {} : { staleAfterMinutes: opts.offline.staleAfterMinutes }) };
  return { result, clients };
}

export function statusCommand(): Command {
  return new Command("status")
    .description("Compare the declared fleet with what its forges see: pools registered or not, runners nobody declared, and why each waiting job waits.")
    .argument("<stack-dir...>", "Pulumi projects whose runnerPools are the declared fleet (rendered offline)")
    .addOption(stackOption())
    .addOption(configFileOption())
    .option("--json", "print everything as JSON (same as --format json)")
    .addOption(new Option("--format <format>", "output format: table (default), json, or markdown for an issue comment").choices(FORMATS))
    .option("--url <url>", "where the runners register, for pools whose stack does not say (e.g. https://github.com/acme)")
    .option("--scope <scope>", 'Forgejo scope for pools whose stack does not say: "instance", "user", "org/<name>" or "repo/<owner>/<name>"')
    .option("--repo <owner/name...>", "look for waiting jobs in these repositories only (organisation and enterprise scopes)")
    .option("--threshold <minutes>", "a job waiting longer than this makes the fleet unhealthy", number("--threshold", 0, 10_080, "minutes"), 5)
    .option("--timeout <seconds>", "time limit of each request to a forge", number("--timeout", 1, 600, "seconds"), STATUS_LIMITS.timeoutMs / 1000)
    .option("--max-requests <n>", "requests to one forge scope at most, pages and retries included", number("--max-requests", 1, 100_000, "requests"), STATUS_LIMITS.maxRequests)
    .option("--max-rate-limit-wait <seconds>", "longest rate-limit wait accepted (once); a longer one is an error", number("--max-rate-limit-wait", 0, 3600, "seconds"), STATUS_LIMITS.maxRateLimitWaitSeconds)
    .option("--github-token-env <name>", "environment variable holding the GitHub token (default: GITHUB_TOKEN, then GH_TOKEN)")
    .option("--forgejo-token-env <name>", "environment variable holding the Forgejo token (default: FORGEJO_TOKEN)")
    .option("--app-id <id>", "authenticate to GitHub as this App (default: $GITHUB_APP_ID)")
    .option("--app-key-file <path>", "the App's private key file, .pem (default: $GITHUB_APP_PRIVATE_KEY_FILE)")
    .option("--app-installation <id>", "the App's installation id (default: $GITHUB_APP_INSTALLATION_ID)")
    .option("--state-file <path>", "remember since when each runner has been offline (the forges do not say), so that --offline-for can apply")
    .option("--offline-for <minutes>", "with --state-file: an offline runner nobody declared is stale (and offered to --prune) after this long", number("--offline-for", 0, 525_600, "minutes"))
    .option("--prune", "remove offline runners nobody declared, after you type yes to confirm")
    .showHelpAfterError()
    .exitOverride()
    .action(async (dirs: string[], opts: StatusOpts) => {
      if (opts.json === true && opts.format !== undefined && opts.format !== "json") throw new CliError(`--json and --format ${opts.format} ask for different outputs. Fix: give one of them`, EXIT.usage);
      const format: Format = opts.json === true ? "json" : (opts.format ?? "table");
      const quiet = format !== "table";
      const stacks = await renderStacks(dirs, opts, quiet);
      const pools: { source: string; index: number; pool: RunnerPool }[] = [];
      const issues: ConfigIssue[] = [];
      for (const s of stacks) {
        if (!(RUNNER_POOLS_OUTPUT in s.outputs)) {
          issues.push({ path: `${s.source}: ${RUNNER_POOLS_OUTPUT}`, message: "is not exported, so the stack declares no runner pools", fix: "export runnerPools from the stack program (export const runnerPools = runners.pools)" });
          continue;
        }
        const read = readRunnerPools(s.outputs[RUNNER_POOLS_OUTPUT], s.source);
        issues.push(...read.issues);
        pools.push(...read.pools.map((p) => ({ source: s.source, ...p })));
      }
      if (issues.length > 0) throw inputError(issues, "declared runner pools");
      if (pools.length === 0) throw new CliError(`${dirs.join(", ")} declare no runner pools. Fix: check the stack settings (runners, scale sets, VMs)`);
      if (opts.offlineFor !== undefined && opts.stateFile === undefined) throw new CliError("--offline-for needs --state-file: neither forge's API says since when a runner is offline, so status counts from the first run that saw it offline. Fix: add --state-file <path> (and run status on a schedule), or drop --offline-for");
      const state = opts.stateFile === undefined ? undefined : readStatusState(opts.stateFile);
      const limits: StatusLimits = { timeoutMs: opts.timeout * 1000, maxRequests: opts.maxRequests, maxRateLimitWaitSeconds: opts.maxRateLimitWait };
      const { result, clients } = await runStatus(statusTargets(pools, opts), { limits, auth: opts, ...(opts.repo === undefined ? {} : { repositories: opts.repo }), thresholdMinutes: opts.threshold, quiet, ...(state === undefined ? {} : { offline: { state, staleAfterMinutes: opts.offlineFor ?? OFFLINE_FOR_MINUTES } }) });
      if (state !== undefined && opts.stateFile !== undefined) writeStatusState(opts.stateFile, state);
      const failed = result.targets.filter((t) => t.error !== undefined);
      // Nothing was learnt: the errors are the whole answer.
      if (failed.length === result.targets.length) throw new CliError(failed.map((t) => t.error).join("\n"));
      if (format === "json") printJson(statusJson(result));
      else process.stdout.write(format === "markdown" ? statusMarkdown(result) : statusTable(result));
      for (const t of failed) process.stderr.write(`runner-fleet status: ${t.error}\n`);
      process.exitCode = failed.length > 0 ? EXIT.usage : result.healthy ? EXIT.ok : EXIT.findings;
      if (opts.prune === true) {
        if (failed.length > 0) process.stderr.write("prune: nothing removed, because a forge scope was not reached (fix that first, so that no runner is judged on half the facts)\n");
        else await confirmAndPrune(result, clients);
      }
    });
}
