/**
 * Forge and substrate as two axes on Kubernetes Deployments: a fleet is one forge's runners (a
 * discriminated union on `forge`), each pod built by the shared substrate part. Every place that
 * depends on the forge switches over it exhaustively, so adding a forge is a compile error until
 * each place handles it.
 */
import type { ForgeKind } from "./forge.ts";
import { runsOnLabels } from "./forge.ts";
import { githubRunnerArch } from "./gh-runner-jit.ts";
import { type GhRunnerFleetInput, type ResolvedGhRunnerFleet, resolveGhRunnerFleet } from "./gh-runner.ts";
import { type ForgejoK8sFleetInput, type ResolvedForgejoK8sFleet, resolveForgejoK8sFleet } from "./forgejo-k8s.ts";
import { isRecord } from "./refine.ts";
import { ConfigError } from "./issues.ts";
import { combinationIssues, type PoolRegistration, type RunnerPool, SUBSTRATES } from "./substrate.ts";

/** A Kubernetes Deployment fleet as written: GitHub (`forge` unset or "github") or Forgejo (`forge: forgejo`). */
export type KubernetesFleetInput = GhRunnerFleetInput | ForgejoK8sFleetInput;
export type ResolvedKubernetesFleet = ResolvedGhRunnerFleet | ResolvedForgejoK8sFleet;

/** Reached only when a switch over forge kinds misses one; the compiler names it. */
export function unknownForge(forge: never): never {
  throw new Error(`unknown forge ${String(forge)}`);
}

/** The forge a fleet description names (GitHub when it names none). */
export function fleetForge(input: unknown): ForgeKind {
  return isRecord(input) && input["forge"] === "forgejo" ? "forgejo" : "github";
}

/**
 * Fleets this module has resolved. Handed back (a stack reader resolves the fleet to report every
 * problem at once, then passes it to the component), one is returned as it is: validated once.
 */
const RESOLVED = new WeakSet<object>();

/**
 * Validates a fleet of either forge and applies every default; throws ConfigError with every
 * problem. A fleet this function returned before is returned as it is.
 */
export function resolveKubernetesFleet(input: unknown): ResolvedKubernetesFleet {
  if (isRecord(input) && RESOLVED.has(input)) return input as unknown as ResolvedKubernetesFleet;
  const fleet = resolveByForge(input);
  RESOLVED.add(fleet);
  return fleet;
}

function resolveByForge(input: unknown): ResolvedKubernetesFleet {
  const forge = fleetForge(input);
  const unsupported = combinationIssues("kubernetes-deployment", forge, "forge");
  if (unsupported.length > 0) throw new ConfigError(unsupported, "Kubernetes runner fleet configuration");
  switch (forge) {
    case "github":
      return resolveGhRunnerFleet(input);
    case "forgejo":
      return resolveForgejoK8sFleet(input);
    default:
      return unknownForge(forge);
  }
}

/** Where the fleet's runners register: the GitHub URL with its scope, or the Forgejo instance (its runners' tokens decide the scope). */
function registration(fleet: ResolvedKubernetesFleet): { registration?: PoolRegistration } {
  if (fleet.forge === "forgejo") return { registration: { url: fleet.instanceUrl } };
  return fleet.registrationUrl === undefined ? {} : { registration: { url: fleet.registrationUrl } };
}

/** The fleet's runner pools: one per Deployment, a fixed number of container-isolated runners. */
export function kubernetesRunnerPools(fleet: ResolvedKubernetesFleet): RunnerPool[] {
  const substrate = SUBSTRATES["kubernetes-deployment"];
  const pool = (name: string, labels: readonly string[], replicas: number, oneJob: boolean, implicit: readonly string[] = []): RunnerPool => ({
    name,
    forge: fleet.forge,
    substrate: substrate.kind,
    labels: runsOnLabels(fleet.forge, labels, implicit),
    min: replicas,
    max: replicas,
    oneJob,
    isolation: substrate.isolation,
    ...registration(fleet),
  });
  switch (fleet.forge) {
    case "github":
      // The runner adds the architecture it runs on: the node's, as the pod's node selector pins it.
      // A JIT runner registers with exactly these labels (gh-runner-jit.ts computes them alike).
      return fleet.runners.map((r) => pool(r.objectName, r.labels, r.replicas, r.ephemeral, [githubRunnerArch(r)]));
    case "forgejo":
      // Each forgejo-runner takes `capacity` jobs at once: the pool's slots are replicas × capacity.
      return fleet.runners.map((r) => pool(r.objectName, r.labels, r.replicas * r.capacity, false));
    default:
      return unknownForge(fleet);
  }
}
