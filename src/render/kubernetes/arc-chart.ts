/**
 * The AutoscalingRunnerSet that the gha-runner-scale-set chart (0.14.2,
 * templates/autoscalingrunnerset.yaml, default container mode: the project renders container modes into
 * the template itself) renders from given values, `listenerMetrics` included. It lets
 * the audit and the tests check, offline, the object ARC will actually receive: validated against
 * the CRD schema and searched for runner pod templates.
 */
export interface ChartRelease {
  readonly name: string;
  readonly namespace: string;
  readonly version: string;
}

const asRecord = (v: unknown): Record<string, unknown> => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

export function autoscalingRunnerSetFromValues(values: Record<string, unknown>, release: ChartRelease): Record<string, unknown> {
  const name = String(values["runnerScaleSetName"] || release.name).replace(/_/g, "-");
  if (name.length === 0 || name.length > 45) throw new Error("Name must have up to 45 characters");
  const min = values["minRunners"];
  const max = values["maxRunners"];
  if (typeof min === "number" && typeof max === "number" && min > max) throw new Error("maxRunners has to be greater or equal to minRunners");
  const secretIsName = typeof values["githubConfigSecret"] === "string";
  const secretName = secretIsName ? String(values["githubConfigSecret"]) : `${release.name}-gha-rs-github-secret`;
  const labels = (values["scaleSetLabels"] ?? []) as unknown[];
  for (const l of labels) {
    if (typeof l !== "string" || l === "" || l.length >= 256) throw new Error("scaleSetLabels contains an empty string, each label must be a non-empty string of less than 256 characters");
  }
  const template = asRecord(values["template"]);
  const tspec = asRecord(template["spec"]);
  const { containers, volumes, initContainers, serviceAccountName, ...rest } = tspec;
  const spec: Record<string, unknown> = {
    githubConfigUrl: String(values["githubConfigUrl"] ?? "").replace(/\/$/, ""),
    githubConfigSecret: secretName,
    ...(values["runnerGroup"] ? { runnerGroup: values["runnerGroup"] } : {}),
    ...(values["runnerScaleSetName"] ? { runnerScaleSetName: values["runnerScaleSetName"] } : {}),
    ...(labels.length > 0 ? { runnerScaleSetLabels: labels } : {}),
    ...(typeof max === "number" ? { maxRunners: Math.trunc(max) } : {}),
    ...(typeof min === "number" ? { minRunners: Math.trunc(min) } : {}),
    ...(values["listenerTemplate"] ? { listenerTemplate: values["listenerTemplate"] } : {}),
    ...(values["listenerMetrics"] ? { listenerMetrics: values["listenerMetrics"] } : {}),
    template: {
      ...(template["metadata"] ? { metadata: template["metadata"] } : {}),
      spec: {
        ...rest,
        ...(rest["restartPolicy"] ? {} : { restartPolicy: "Never" }),
        serviceAccountName: serviceAccountName ?? `${release.name}-gha-rs-no-permission`,
        ...(initContainers ? { initContainers } : {}),
        containers: containers ?? [],
        ...(volumes ? { volumes } : {}),
      },
    },
  };
  return {
    apiVersion: "actions.github.com/v1alpha1",
    kind: "AutoscalingRunnerSet",
    metadata: {
      name,
      namespace: release.namespace,
      labels: {
        "app.kubernetes.io/component": "autoscaling-runner-set",
        "helm.sh/chart": `gha-rs-${release.version}`,
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/instance": name,
        "app.kubernetes.io/version": release.version,
        "app.kubernetes.io/part-of": "gha-rs",
        "app.kubernetes.io/managed-by": "Helm",
        "actions.github.com/scale-set-name": name,
        "actions.github.com/scale-set-namespace": release.namespace,
      },
      annotations: {
        ...(secretIsName ? {} : { "actions.github.com/cleanup-github-secret-name": secretName }),
        "actions.github.com/cleanup-manager-role-binding": `${release.name}-gha-rs-manager`,
        "actions.github.com/cleanup-manager-role-name": `${release.name}-gha-rs-manager`,
        ...(serviceAccountName ? {} : { "actions.github.com/cleanup-no-permission-service-account-name": `${release.name}-gha-rs-no-permission` }),
      },
    },
    spec,
  };
}
