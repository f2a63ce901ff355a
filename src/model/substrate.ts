/**
 * The substrate axis: where a runner runs. A substrate knows how a runner is placed, isolated and
 * scaled, and which forges it can host. Each substrate is implemented once: a model, a renderer, a
 * component and an entry point (see docs/architecture.md, "Adding a substrate"). Everything that is
 * true of every runner, whatever its forge and substrate, is a {@link RunnerPool}.
 */
import type { ForgeKind } from "./forge.ts";
import type { ConfigIssue } from "./issues.ts";

export const SUBSTRATE_KINDS = ["kubernetes-deployment", "arc-scale-set", "libvirt-vm", "ec2"] as const;
export type SubstrateKind = (typeof SUBSTRATE_KINDS)[number];

/** What separates one job from the host and from other jobs. */
export type Isolation = "container" | "microvm" | "vm";

export interface SubstrateContract<K extends SubstrateKind = SubstrateKind> {
  readonly kind: K;
  readonly title: string;
  /** The isolation boundary around a job. */
  readonly isolation: Isolation;
  /** `fixed`: a declared number of runners; `on-demand`: between a minimum and a maximum, scaled by queued jobs. */
  readonly scaling: "fixed" | "on-demand";
  /** Forges whose runners this substrate hosts. */
  readonly forges: readonly ForgeKind[];
  /** The package entry point that holds its component, so a program loads only its providers. */
  readonly entryPoint: "runner-fleet/kubernetes" | "runner-fleet/libvirt" | "runner-fleet/aws";
  /** The components that deploy it. */
  readonly components: readonly string[];
}

/** Every substrate, by kind. Adding a substrate means adding a kind above and its contract here. */
export const SUBSTRATES: { readonly [K in SubstrateKind]: SubstrateContract<K> } = {
  "kubernetes-deployment": {
    kind: "kubernetes-deployment",
    title: "Kubernetes Deployment",
    isolation: "container",
    scaling: "fixed",
    forges: ["github", "forgejo"],
    entryPoint: "runner-fleet/kubernetes",
    components: ["KubernetesRunners"],
  },
  "arc-scale-set": {
    kind: "arc-scale-set",
    title: "ARC scale set",
    isolation: "microvm",
    scaling: "on-demand",
    forges: ["github"],
    entryPoint: "runner-fleet/kubernetes",
    components: ["GitHubRunnerScaleSet"],
  },
  "libvirt-vm": {
    kind: "libvirt-vm",
    title: "libvirt VM",
    isolation: "vm",
    scaling: "fixed",
    forges: ["github", "forgejo"],
    entryPoint: "runner-fleet/libvirt",
    components: ["LibvirtRunnerVm", "GitHubLibvirtRunners"],
  },
  ec2: {
    kind: "ec2",
    title: "EC2 Auto Scaling",
    isolation: "vm",
    scaling: "on-demand",
    forges: ["github"],
    entryPoint: "runner-fleet/aws",
    components: ["AwsRunnerFleet"],
  },
};

/** Whether `substrate` hosts runners of `forge`. */
export const supportsForge = (substrate: SubstrateKind, forge: ForgeKind): boolean => (SUBSTRATES[substrate].forges as readonly string[]).includes(forge);

/** The issue of a forge the substrate cannot host, at key path `at`. */
export function combinationIssues(substrate: SubstrateKind, forge: ForgeKind, at: string): ConfigIssue[] {
  if (supportsForge(substrate, forge)) return [];
  const s = SUBSTRATES[substrate];
  return [{ path: at, message: `${forge} runners cannot run on the ${s.title} substrate`, fix: `use one of: ${s.forges.join(", ")}` }];
}

/**
 * One pool of interchangeable runners, whatever its forge and substrate: what workflows can target
 * and how many jobs it takes at once. `guard --fleet` derives its profiles from these.
 */
export interface RunnerPool {
  /** The pool's name (a Deployment, a scale set, a VM, an Auto Scaling group). */
  readonly name: string;
  readonly forge: ForgeKind;
  readonly substrate: SubstrateKind;
  /** Labels a job's `runs-on` can match, the forge's implicit labels included. */
  readonly labels: readonly string[];
  /** Job slots always present (runners, times the jobs each takes at once where a runner takes several). */
  readonly min: number;
  /** Job slots at most (equal to `min` for fixed substrates). */
  readonly max: number;
  /** Whether each runner takes one job and is then replaced. */
  readonly oneJob: boolean;
  readonly isolation: Isolation;
  /** Where its runners register, when the stack says (`runner-fleet status` asks that forge about them). */
  readonly registration?: PoolRegistration;
}

/**
 * Where a pool's runners register. GitHub: the URL a runner is configured with, scope included
 * (`https://github.com/acme`, `https://github.com/acme/app`, `https://ghes.example.com/enterprises/acme`).
 * Forgejo: the instance's address and the scope in its config form (`org/acme`), when the
 * configuration decides it rather than the registration token.
 */
export interface PoolRegistration {
  readonly url: string;
  /** Forgejo only: `instance`, `user`, `org/<name>` or `repo/<owner>/<name>`. */
  readonly scope?: string;
  /** Forgejo only: the forge's version, when the stack declares it (runners are listed from 15). */
  readonly version?: string;
}
