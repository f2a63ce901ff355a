/**
 * Reads the gh-runners-firecracker stack's settings as an ARC fleet: one controller and one or more
 * scale sets. The single-scale-set keys stay valid (they are the one scale set); `scaleSets` lists
 * several, each inheriting the top-level keys it does not set. Secrets are read as Pulumi secrets
 * and never enter the model.
 */
import type * as pulumi from "@pulumi/pulumi";
import { type ResolvedArcFleet, resolveArcFleet } from "../model/arc-fleet.ts";
import { MAX_SCALE_SETS } from "../model/arc-fleet.ts";
import { ARC_DEFAULTS } from "../model/arc-scale-set.ts";
import { type SettingsSpec, type StackSettingsSource, readSettings, requireSettings } from "../model/stack-settings.ts";
import { ARC_SETTINGS, firecrackerNodeIssues } from "./stack-config.ts";
import { modelIssues, pulumiSettings, secretSetting } from "./stack-settings.ts";

/**
 * The settings of the gh-runners-firecracker stack: those of one scale set (`ARC_SETTINGS`), plus
 * the keys of the fleet form. The added keys have no stack default: the model's defaults apply.
 */
export const ARC_FLEET_SETTINGS: SettingsSpec = {
  ...ARC_SETTINGS,
  /** `trusted` or `untrusted` (the model's default). */
  trust: { kind: "string", maxLength: 16 },
  /** `{ type: dind }`, `{ type: kubernetes, workVolumeClaim }` or `{ type: kubernetes-novolume }`. */
  containerMode: { kind: "mapping" },
  /** `{ enabled, scrape, port, path, prometheus: { namespace, podLabels }, monitorLabels, listenerMetrics }`. */
  metrics: { kind: "mapping" },
  runnerNamespace: { kind: "string", maxLength: 63 },
  controllerNamespace: { kind: "string", maxLength: 63 },
  kata: { kind: "mapping" },
  relax: { kind: "mapping" },
  /** Several scale sets under one controller, each a mapping with its own `scaleSetName`. */
  scaleSets: { kind: "list", maxItems: MAX_SCALE_SETS },
};

/** Keys of the model (every setting but the stack's own: node bootstrap, secrets). */
const FLEET_MODEL_KEYS = Object.keys(ARC_FLEET_SETTINGS).filter((k) => !["firecrackerNodes", "githubToken", "githubAppPrivateKey"].includes(k));

export interface ArcFleetStackConfig {
  /** The controller and every scale set, validated with every default applied. */
  readonly fleet: ResolvedArcFleet;
  readonly githubToken: pulumi.Output<string> | undefined;
  readonly appPrivateKey: pulumi.Output<string> | undefined;
}

/**
 * Reads the stack's settings into an ARC fleet plus its secrets. Every problem (unknown keys, kinds,
 * each scale set's problems at `scaleSets[i].<key>`, duplicate names, secrets in plain text) is
 * reported at once, never quoting a secret.
 */
export function readArcFleetStackConfig(source: StackSettingsSource = pulumiSettings()): ArcFleetStackConfig {
  const { values, issues } = readSettings(source, ARC_FLEET_SETTINGS);
  const input: Record<string, unknown> = {};
  for (const k of FLEET_MODEL_KEYS) if (values[k] !== undefined && values[k] !== "") input[k] = values[k];
  // With scaleSets, Pulumi.yaml's default scaleSetName (which Pulumi applies as if set) names none of them.
  if (input["scaleSets"] !== undefined && input["scaleSetName"] === ARC_DEFAULTS.scaleSetName) delete input["scaleSetName"];
  issues.push(...firecrackerNodeIssues(values["firecrackerNodes"]));
  let fleet: ResolvedArcFleet | undefined;
  issues.push(...modelIssues(() => (fleet = resolveArcFleet(input)), issues));
  requireSettings(issues, `${source.project} stack configuration`);
  if (fleet === undefined) throw new Error("the ARC fleet was not resolved");
  return { fleet, githubToken: secretSetting(source, "githubToken"), appPrivateKey: secretSetting(source, "githubAppPrivateKey") };
}
