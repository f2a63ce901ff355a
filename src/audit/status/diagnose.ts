/**
 * The declared fleet against what the forge sees: for each runner pool, whether its runners are
 * registered (and with its labels), online and busy; runners nobody declared; and for each waiting
 * job, which pools could serve it and the one most likely reason it waits, with its fix. Pure:
 * pools and a forge snapshot in, a report out.
 */
import type { ForgeSnapshot, RegisteredRunner, WaitingJob } from "../../model/fleet-status.ts";
import type { RunnerPool } from "../../model/substrate.ts";
import { targetsGithubHosted } from "../guard/hosted-labels.ts";
import { substrateFacts } from "../guard/pool-profiles.ts";

/** How a declared pool is doing. */
export interface PoolStatus {
  readonly pool: string;
  readonly min: number;
  readonly max: number;
  readonly registered: number;
  readonly online: number;
  readonly busy: number;
  /** Runners named after the pool whose labels differ from its labels: what is missing and extra. */
  readonly mislabelled: readonly { readonly runner: string; readonly missing: readonly string[]; readonly extra: readonly string[] }[];
  /** Undefined when the pool is fine; else what is wrong. */
  readonly problem?: string;
}

/** Why a job waits, and what to do about it. */
export interface JobDiagnosis {
  readonly job: WaitingJob;
  /** Minutes since it was queued, when the forge says when. */
  readonly waitedMinutes?: number;
  /** Pools whose labels cover the job's. */
  readonly pools: readonly string[];
  readonly reason: "unserved" | "not-registered" | "offline" | "mislabelled" | "at-max" | "starting";
  readonly explanation: string;
  readonly fix: string;
}

export interface StatusReport {
  readonly pools: readonly PoolStatus[];
  /** Registered runners that match no declared pool. */
  readonly undeclared: readonly RegisteredRunner[];
  /**
   * Offline runners nobody declared, offline for at least the threshold when their offline time is
   * known (else all of them): what `--prune` may remove.
   */
  readonly stale: readonly RegisteredRunner[];
  readonly jobs: readonly JobDiagnosis[];
  /** Whether the forge could list runners at all. */
  readonly runnersVisible: boolean;
  /** Runners registered at the scope, declared or not. */
  readonly registered: number;
  /** Whether everything was seen: the runners listed and no waiting job possibly missed. */
  readonly complete: boolean;
}

const lower = (labels: readonly string[]) => new Set(labels.map((l) => l.toLowerCase()));
const sameLabels = (a: readonly string[], b: readonly string[]) => {
  const x = lower(a);
  const y = lower(b);
  return x.size === y.size && [...x].every((l) => y.has(l));
};
/** Whether a runner is named after the pool (`<pool>-…`, as Deployments, scale sets and VMs name theirs). */
const namedAfter = (runner: RegisteredRunner, pool: RunnerPool) => runner.name.toLowerCase() === pool.name.toLowerCase() || runner.name.toLowerCase().startsWith(`${pool.name.toLowerCase()}-`);
/** Whether a pool's labels cover all of a job's (GitHub and Forgejo compare case-insensitively). */
export const serves = (pool: RunnerPool, labels: readonly string[]) => {
  const have = lower(pool.labels);
  return labels.length > 0 && labels.every((l) => have.has(l.toLowerCase()));
};

/** The runners of a pool: those carrying exactly its labels (named after it or not). */
function runnersOf(pool: RunnerPool, runners: readonly RegisteredRunner[]): RegisteredRunner[] {
  return runners.filter((r) => sameLabels(r.labels, pool.labels));
}

function poolStatus(pool: RunnerPool, runners: readonly RegisteredRunner[] | undefined): PoolStatus {
  const own = runners === undefined ? [] : runnersOf(pool, runners);
  const mislabelled = (runners ?? [])
    .filter((r) => namedAfter(r, pool) && !sameLabels(r.labels, pool.labels))
    .map((r) => {
      const have = lower(r.labels);
      const want = lower(pool.labels);
      return { runner: r.name, missing: pool.labels.filter((l) => !have.has(l.toLowerCase())), extra: r.labels.filter((l) => !want.has(l.toLowerCase())) };
    });
  const online = own.filter((r) => r.status === "online");
  const base = { pool: pool.name, min: pool.min, max: pool.max, registered: own.length, online: online.length, busy: online.filter((r) => r.busy).length, mislabelled };
  if (runners === undefined) return base;
  if (mislabelled.length > 0) return { ...base, problem: `${mislabelled.length} runner${mislabelled.length === 1 ? "" : "s"} named after the pool registered with other labels` };
  if (pool.min > 0 && own.length === 0) return { ...base, problem: `declared with ${pool.min} runner${pool.min === 1 ? "" : "s"} always present, none registered` };
  if (pool.min > 0 && online.length < pool.min) return { ...base, problem: `${online.length} of ${pool.min} runners online` };
  return base;
}

/** The one most likely reason a job waits, from the pools that could serve it. */
function diagnoseJob(job: WaitingJob, pools: readonly RunnerPool[], statuses: ReadonlyMap<string, PoolStatus>, visible: boolean, now: Date): JobDiagnosis {
  const serving = pools.filter((p) => serves(p, job.labels));
  const waited = job.queuedAt === undefined ? undefined : Math.max(0, Math.round((now.getTime() - Date.parse(job.queuedAt)) / 60_000));
  const base = { job, ...(waited === undefined || Number.isNaN(waited) ? {} : { waitedMinutes: waited }), pools: serving.map((p) => p.name) };
  const labels = `[${job.labels.join(", ")}]`;
  if (serving.length === 0) {
    const near = [...pools].sort((a, b) => job.labels.filter((l) => lower(b.labels).has(l.toLowerCase())).length - job.labels.filter((l) => lower(a.labels).has(l.toLowerCase())).length)[0];
    const missing = near === undefined ? [] : job.labels.filter((l) => !lower(near.labels).has(l.toLowerCase()));
    return { ...base, reason: "unserved", explanation: `no declared pool carries all of ${labels}`, fix: near === undefined ? `declare a pool with the labels ${labels}, or change the job's runs-on` : `change runs-on to the labels of pool "${near.name}" (it lacks ${missing.join(", ")}), or add ${missing.join(", ")} to a pool's labels` };
  }
  const st = serving.map((p) => statuses.get(p.name)!);
  const one = serving.length === 1;
  const names = `${one ? "pool" : "pools"} ${serving.map((p) => `"${p.name}"`).join(", ")}`;
  const more = [...new Set(serving.map((p) => substrateFacts(p.substrate).more))].join(" or ");
  if (!visible) return { ...base, reason: "starting", explanation: `${names} ${one ? "serves" : "serve"} it, but this forge version does not list its runners`, fix: "check the runners on the forge's web page, or upgrade the forge to list runners through its API" };
  const mislabelled = st.filter((s) => s.mislabelled.length > 0 && s.registered === 0);
  if (mislabelled.length > 0) {
    const m = mislabelled[0]!.mislabelled[0]!;
    return { ...base, reason: "mislabelled", explanation: `pool "${mislabelled[0]!.pool}" has runner "${m.runner}" registered${m.missing.length > 0 ? ` without ${m.missing.join(", ")}` : ""}${m.extra.length > 0 ? ` with extra ${m.extra.join(", ")}` : ""}, so it does not take the job`, fix: `re-register the runner with the pool's labels (redeploy the pool so its runners register with its configuration)` };
  }
  if (st.every((s) => s.registered === 0)) {
    const scaled = serving.every((p) => p.min === 0 && p.max > 0);
    return scaled
      ? { ...base, reason: "not-registered", explanation: `${names} ${one ? "scales" : "scale"} from zero and no runner has registered for the job yet`, fix: "check that the pool's listener or autoscaler is running and can reach the forge (its logs say why it does not start a runner)" }
      : { ...base, reason: "not-registered", explanation: `${names} ${one ? "is" : "are"} declared but none of ${one ? "its" : "their"} runners is registered`, fix: "deploy the pool, or check that its runners can register (token, URL, network)" };
  }
  if (st.every((s) => s.online === 0)) return { ...base, reason: "offline", explanation: `every runner of ${names} is offline`, fix: "restart the runners (their service or pods), and check they reach the forge" };
  if (st.every((s) => s.busy >= s.online && s.registered >= s.max)) return { ...base, reason: "at-max", explanation: `${names} ${one ? "is at its" : "are at their"} maximum (${st.map((s) => `${s.busy} busy of ${s.max}`).join(", ")})`, fix: `wait for a runner, or raise ${more} in the stack` };
  return { ...base, reason: "starting", explanation: `${names} ${one ? "has" : "have"} ${st.reduce((n, s) => n + s.online - s.busy, 0)} idle runner(s) or room to start one`, fix: "if it keeps waiting, check that the repository may use the runner group, and the runners' logs" };
}

/** Minutes a runner has been offline, when known. */
export function offlineMinutes(runner: RegisteredRunner, now: Date): number | undefined {
  if (runner.status !== "offline" || runner.offlineSince === undefined) return undefined;
  const since = Date.parse(runner.offlineSince);
  return Number.isNaN(since) ? undefined : Math.max(0, Math.floor((now.getTime() - since) / 60_000));
}

/**
 * Compares the declared pools of one forge with its snapshot. An offline runner nobody declared is
 * stale when it has been offline for `staleAfterMinutes` or longer, or when how long is not known.
 */
export function diagnose(pools: readonly RunnerPool[], snapshot: ForgeSnapshot, now: Date = new Date(snapshot.takenAt), staleAfterMinutes = 0): StatusReport {
  const ours = pools.filter((p) => p.forge === snapshot.forge);
  const statuses = new Map(ours.map((p) => [p.name, poolStatus(p, snapshot.runners)]));
  const undeclared = (snapshot.runners ?? []).filter((r) => !ours.some((p) => sameLabels(r.labels, p.labels) || namedAfter(r, p)));
  // A job for GitHub-hosted runners waits for GitHub, not for this fleet.
  const waiting = snapshot.forge === "github" ? snapshot.jobs.filter((j) => !targetsGithubHosted(j.labels)) : snapshot.jobs;
  return {
    pools: [...statuses.values()],
    undeclared,
    stale: undeclared.filter((r) => r.status === "offline" && (offlineMinutes(r, now) ?? staleAfterMinutes) >= staleAfterMinutes),
    // The longest wait first: the job most worth a look.
    jobs: waiting.map((j) => diagnoseJob(j, ours, statuses, snapshot.runners !== undefined, now)).sort((a, b) => (b.waitedMinutes ?? -1) - (a.waitedMinutes ?? -1)),
    registered: snapshot.runners?.length ?? 0,
    complete: snapshot.runners !== undefined && snapshot.partial !== true,
    runnersVisible: snapshot.runners !== undefined,
  };
}

/**
 * Whether the fleet is healthy: everything seen, every pool without a problem, and no job waiting
 * longer than `thresholdMinutes` (a job whose wait the forge does not tell counts as within it).
 */
export function healthy(report: StatusReport, thresholdMinutes = 5): boolean {
  return report.complete && report.pools.every((p) => p.problem === undefined) && report.jobs.every((j) => (j.waitedMinutes ?? 0) <= thresholdMinutes);
}
