/**
 * The slice of the Kubernetes type graph the diff needs: which type each field of each known
 * type has, so list merge keys (merge-keys.ts), server defaults (server-defaults.ts) and
 * server-set fields (server-fields.ts) can be looked up by `Type.field`, exactly where the API
 * defines them. Types and fields not listed here are compared generically: maps by key, lists
 * in order, no defaults.
 */

/** Leaf type of resource amounts (`500m`, `1Gi`); compared by quantity.ts. */
export const QUANTITY = "Quantity";
/** Map type whose values are resource amounts that the server rounds up to milli units. */
export const RESOURCE_LIST = "ResourceList";
/** Map type whose values are never printed (Secret `data` and `stringData`). */
export const SECRET_DATA = "SecretData";

/** Root type of each known kind, by `Kind.group` (core kinds without a group). */
const ROOT_TYPES: Readonly<Record<string, string>> = {
  Pod: "Pod",
  Service: "Service",
  ConfigMap: "ConfigMap",
  Secret: "Secret",
  Namespace: "Object",
  PersistentVolumeClaim: "PersistentVolumeClaim",
  ResourceQuota: "ResourceQuota",
  "Deployment.apps": "Deployment",
  "ReplicaSet.apps": "ReplicaSet",
  "StatefulSet.apps": "StatefulSet",
  "DaemonSet.apps": "DaemonSet",
  "Job.batch": "Job",
  "CronJob.batch": "CronJob",
  "NetworkPolicy.networking.k8s.io": "NetworkPolicy",
  "RuntimeClass.node.k8s.io": "RuntimeClass",
  "AutoscalingRunnerSet.actions.github.com": "AutoscalingRunnerSet",
};

/** Field -> type of that field (for lists: the type of each item; for maps: see MAP_VALUE_TYPES). */
const FIELD_TYPES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  // Every kind: metadata; kinds without an entry get only this.
  Object: { metadata: "ObjectMeta" },
  ObjectMeta: { labels: "Labels", annotations: "Annotations" },

  Pod: { metadata: "ObjectMeta", spec: "PodSpec" },
  Deployment: { metadata: "ObjectMeta", spec: "DeploymentSpec" },
  DeploymentSpec: { strategy: "DeploymentStrategy", template: "PodTemplateSpec" },
  DeploymentStrategy: { rollingUpdate: "RollingUpdateDeployment" },
  ReplicaSet: { metadata: "ObjectMeta", spec: "ReplicaSetSpec" },
  ReplicaSetSpec: { template: "PodTemplateSpec" },
  StatefulSet: { metadata: "ObjectMeta", spec: "StatefulSetSpec" },
  StatefulSetSpec: {
    template: "PodTemplateSpec",
    updateStrategy: "StatefulSetUpdateStrategy",
    persistentVolumeClaimRetentionPolicy: "StatefulSetPersistentVolumeClaimRetentionPolicy",
    volumeClaimTemplates: "PersistentVolumeClaimTemplate",
  },
  StatefulSetUpdateStrategy: { rollingUpdate: "RollingUpdateStatefulSetStrategy" },
  DaemonSet: { metadata: "ObjectMeta", spec: "DaemonSetSpec" },
  DaemonSetSpec: { template: "PodTemplateSpec", updateStrategy: "DaemonSetUpdateStrategy" },
  DaemonSetUpdateStrategy: { rollingUpdate: "RollingUpdateDaemonSet" },
  Job: { metadata: "ObjectMeta", spec: "JobSpec" },
  JobSpec: { template: "PodTemplateSpec" },
  CronJob: { metadata: "ObjectMeta", spec: "CronJobSpec" },
  CronJobSpec: { jobTemplate: "JobTemplateSpec" },
  // A CronJob's job template gets no Job defaults (those apply to Job objects only).
  JobTemplateSpec: { metadata: "ObjectMeta", spec: "JobTemplateJobSpec" },
  JobTemplateJobSpec: { template: "PodTemplateSpec" },
  AutoscalingRunnerSet: { metadata: "ObjectMeta", spec: "AutoscalingRunnerSetSpec" },
  AutoscalingRunnerSetSpec: { template: "PodTemplateSpec", listenerTemplate: "PodTemplateSpec" },

  PodTemplateSpec: { metadata: "ObjectMeta", spec: "PodSpec" },
  PodSpec: {
    securityContext: "PodSecurityContext",
    containers: "Container",
    initContainers: "Container",
    ephemeralContainers: "Container",
    volumes: "Volume",
    overhead: RESOURCE_LIST,
    resources: "ResourceRequirements",
  },
  Container: {
    env: "EnvVar",
    envFrom: "EnvFromSource",
    securityContext: "SecurityContext",
    volumeMounts: "VolumeMount",
    ports: "ContainerPort",
    resources: "ResourceRequirements",
    livenessProbe: "Probe",
    readinessProbe: "Probe",
    startupProbe: "Probe",
    lifecycle: "Lifecycle",
  },
  EnvVar: { valueFrom: "EnvVarSource" },
  EnvVarSource: { fieldRef: "ObjectFieldSelector", resourceFieldRef: "ResourceFieldSelector", configMapKeyRef: "ConfigMapKeySelector", secretKeyRef: "SecretKeySelector" },
  EnvFromSource: { configMapRef: "ConfigMapEnvSource", secretRef: "SecretEnvSource" },
  ResourceFieldSelector: { divisor: QUANTITY },
  ResourceRequirements: { limits: RESOURCE_LIST, requests: RESOURCE_LIST },
  Probe: { httpGet: "HTTPGetAction" },
  Lifecycle: { postStart: "LifecycleHandler", preStop: "LifecycleHandler" },
  LifecycleHandler: { httpGet: "HTTPGetAction" },
  Volume: {
    configMap: "ConfigMapVolumeSource",
    secret: "SecretVolumeSource",
    projected: "ProjectedVolumeSource",
    downwardAPI: "DownwardAPIVolumeSource",
    emptyDir: "EmptyDirVolumeSource",
    hostPath: "HostPathVolumeSource",
    persistentVolumeClaim: "PersistentVolumeClaimVolumeSource",
    ephemeral: "EphemeralVolumeSource",
  },
  EmptyDirVolumeSource: { sizeLimit: QUANTITY },
  ProjectedVolumeSource: { sources: "VolumeProjection" },
  VolumeProjection: { serviceAccountToken: "ServiceAccountTokenProjection", downwardAPI: "DownwardAPIProjection" },
  DownwardAPIProjection: { items: "DownwardAPIVolumeFile" },
  DownwardAPIVolumeSource: { items: "DownwardAPIVolumeFile" },
  DownwardAPIVolumeFile: { fieldRef: "ObjectFieldSelector", resourceFieldRef: "ResourceFieldSelector" },
  EphemeralVolumeSource: { volumeClaimTemplate: "PersistentVolumeClaimTemplate" },

  PersistentVolumeClaim: { metadata: "ObjectMeta", spec: "PersistentVolumeClaimSpec" },
  PersistentVolumeClaimTemplate: { metadata: "ObjectMeta", spec: "PersistentVolumeClaimSpec" },
  PersistentVolumeClaimSpec: { resources: "VolumeResourceRequirements" },
  VolumeResourceRequirements: { limits: RESOURCE_LIST, requests: RESOURCE_LIST },

  Service: { metadata: "ObjectMeta", spec: "ServiceSpec" },
  ServiceSpec: { ports: "ServicePort" },
  ConfigMap: { metadata: "ObjectMeta" },
  Secret: { metadata: "ObjectMeta", data: SECRET_DATA, stringData: SECRET_DATA },
  ResourceQuota: { metadata: "ObjectMeta", spec: "ResourceQuotaSpec" },
  ResourceQuotaSpec: { hard: RESOURCE_LIST },
  NetworkPolicy: { metadata: "ObjectMeta", spec: "NetworkPolicySpec" },
  NetworkPolicySpec: { ingress: "NetworkPolicyIngressRule", egress: "NetworkPolicyEgressRule" },
  NetworkPolicyIngressRule: { ports: "NetworkPolicyPort" },
  NetworkPolicyEgressRule: { ports: "NetworkPolicyPort" },
  RuntimeClass: { metadata: "ObjectMeta", overhead: "Overhead" },
  Overhead: { podFixed: RESOURCE_LIST },
};

/** Map types: every value has the same type. */
const MAP_VALUE_TYPES: Readonly<Record<string, string>> = {
  [RESOURCE_LIST]: QUANTITY,
};

/** The root type of an object of `groupKind` (`Deployment.apps`); unknown kinds get `Object`. */
export function rootType(groupKind: string): string {
  return ROOT_TYPES[groupKind] ?? "Object";
}

/** The type of `field` inside a value of type `type`, if known. */
export function fieldType(type: string | undefined, field: string): string | undefined {
  if (type === undefined) return undefined;
  return FIELD_TYPES[type]?.[field] ?? MAP_VALUE_TYPES[type];
}
