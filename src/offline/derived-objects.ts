/**
 * Objects a rendered stack creates indirectly: the AutoscalingRunnerSet that the
 * gha-runner-scale-set chart makes from a Helm release's values. They are not Pulumi resources, but
 * they are what ARC receives, so render writes them (marked derived) and audit checks them.
 */
import { autoscalingRunnerSetFromValues } from "../render/kubernetes/arc-chart.ts";
import type { RenderedResource } from "./rendered.ts";

const SCALE_SET_CHART = /\/gha-runner-scale-set$/;

export interface DerivedObject {
  /** The Helm release it comes from. */
  readonly from: string;
  readonly object: Record<string, unknown>;
}

/** The object a resource derives, if any; throws with the chart's own message when it would refuse the values. */
export function derivedObject(r: RenderedResource): DerivedObject | undefined {
  if (r.type !== "kubernetes:helm.sh/v3:Release" || !SCALE_SET_CHART.test(String(r.inputs["chart"] ?? ""))) return undefined;
  const values = r.inputs["values"];
  if (values === null || typeof values !== "object") {
    throw new Error(`helm release ${r.name}: its values are secret or missing, so the objects its chart creates cannot be derived; keep credentials out of the chart values (reference a Secret by name)`);
  }
  const release = { name: String(r.inputs["name"] ?? r.name), namespace: String(r.inputs["namespace"] ?? "default"), version: String(r.inputs["version"] ?? "") };
  try {
    return { from: r.name, object: autoscalingRunnerSetFromValues(values as Record<string, unknown>, release) };
  } catch (e) {
    throw new Error(`helm release ${r.name}: the chart would refuse its values (${(e as Error).message}); correct the scale set configuration`);
  }
}
