/**
 * THE table of values the API server (or Pulumi) fills in when a manifest leaves a field out, so
 * a `kubectl get -o yaml` export shows them although nobody wrote them, and of values that mean
 * what leaving the field out means (`readOnlyRootFilesystem: false`, `readOnly: false`). A field listed here is
 * ignored ONLY when the other side leaves it out and this side holds exactly the documented
 * default; any other value is drift. Sources: k8s.io/kubernetes pkg/apis/{core,apps,batch,
 * networking}/v1/defaults.go (the function is named on each entry) and the registry strategies.
 */
import type { KubeObject } from "./kube-object.ts";
import { isPlainObject } from "./kube-object.ts";

/** Returned by a derived default when no default applies to these siblings. */
export const NO_DEFAULT: unique symbol = Symbol("no default");

export type ServerDefault =
  /** The server writes this value. */
  | { readonly kind: "value"; readonly value: unknown }
  /**
   * The server derives the value from the fields next to it, as written by the side that left
   * the field out (`siblings`), or from the object.
   */
  | { readonly kind: "derived"; readonly derive: (siblings: Readonly<Record<string, unknown>>, object: KubeObject) => unknown }
  /** The server picks a value (an IP, a storage class) when the stack leaves the field out. */
  | { readonly kind: "allocated" };

const value = (v: unknown): ServerDefault => ({ kind: "value", value: v });
const derived = (derive: (siblings: Readonly<Record<string, unknown>>, object: KubeObject) => unknown): ServerDefault => ({ kind: "derived", derive });
const ALLOCATED: ServerDefault = { kind: "allocated" };

/** The tag `imagePullPolicy` defaulting looks at (k8s.io/kubernetes pkg/util/parsers). */
export function imageTag(image: string): string {
  const at = image.indexOf("@");
  const name = at < 0 ? image : image.slice(0, at);
  const colon = name.lastIndexOf(":");
  if (colon > name.lastIndexOf("/")) return name.slice(colon + 1);
  return at < 0 ? "latest" : "";
}

const VOLUME_SOURCE_KEYS_IGNORED = new Set(["name"]);

/** A boolean the API reads as false when it is left out: `false` written out means the same. */
const FALSE_WHEN_ABSENT = value(false);

/** `Type.field` defaults (types from kube-types.ts; for map types the "field" is the map key). */
export const SERVER_DEFAULTS: Readonly<Record<string, Readonly<Record<string, ServerDefault>>>> = {
  ObjectMeta: {
    // An empty map is the same as none (exports print `labels: {}` / `annotations: {}` at times).
    labels: value({}),
    annotations: value({}),
  },
  Labels: {
    // The Pulumi Kubernetes provider labels every object it creates with this.
    "app.kubernetes.io/managed-by": value("pulumi"),
    // SetDefaults_Namespace: every Namespace is labelled with its own name.
    "kubernetes.io/metadata.name": derived((_, object) => (object.kind === "Namespace" && object.apiVersion === "v1" ? object.metadata.name : NO_DEFAULT)),
  },
  PodSpec: {
    // SetDefaults_PodSpec
    dnsPolicy: value("ClusterFirst"),
    // SetDefaults_PodSpec
    restartPolicy: value("Always"),
    // SetDefaults_PodSpec
    securityContext: value({}),
    // SetDefaults_PodSpec (v1.DefaultTerminationGracePeriodSeconds)
    terminationGracePeriodSeconds: value(30),
    // SetDefaults_PodSpec (v1.DefaultSchedulerName)
    schedulerName: value("default-scheduler"),
    // Conversion to v1 mirrors serviceAccountName into the deprecated serviceAccount field.
    serviceAccount: derived((s) => (typeof s["serviceAccountName"] === "string" ? s["serviceAccountName"] : NO_DEFAULT)),
    // SetDefaults_Pod: bare Pods only, not pod templates.
    enableServiceLinks: derived((_, object) => (object.kind === "Pod" && object.apiVersion === "v1" ? true : NO_DEFAULT)),
    // The scheduler binds the pod to a node.
    nodeName: ALLOCATED,
    // Absent reads as false: the pod gets its own network, PID and IPC namespaces.
    hostNetwork: FALSE_WHEN_ABSENT,
    hostPID: FALSE_WHEN_ABSENT,
    hostIPC: FALSE_WHEN_ABSENT,
    shareProcessNamespace: FALSE_WHEN_ABSENT,
  },
  PodSecurityContext: {
    // Absent reads as false: the kubelet does not check the user.
    runAsNonRoot: FALSE_WHEN_ABSENT,
  },
  SecurityContext: {
    // Absent reads as false: not privileged, root filesystem writable, no user check.
    // (Not allowPrivilegeEscalation: absent allows escalation unless the container is privileged.)
    privileged: FALSE_WHEN_ABSENT,
    readOnlyRootFilesystem: FALSE_WHEN_ABSENT,
    runAsNonRoot: FALSE_WHEN_ABSENT,
  },
  VolumeMount: {
    // Absent reads as false: the mount is read-write.
    readOnly: FALSE_WHEN_ABSENT,
  },
  PersistentVolumeClaimVolumeSource: {
    // Absent reads as false.
    readOnly: FALSE_WHEN_ABSENT,
  },
  ConfigMapKeySelector: { optional: FALSE_WHEN_ABSENT },
  SecretKeySelector: { optional: FALSE_WHEN_ABSENT },
  ConfigMapEnvSource: { optional: FALSE_WHEN_ABSENT },
  SecretEnvSource: { optional: FALSE_WHEN_ABSENT },
  Container: {
    // Absent reads as false: no stdin, no terminal.
    stdin: FALSE_WHEN_ABSENT,
    stdinOnce: FALSE_WHEN_ABSENT,
    tty: FALSE_WHEN_ABSENT,
    // SetDefaults_Container (v1.TerminationMessagePathDefault)
    terminationMessagePath: value("/dev/termination-log"),
    // SetDefaults_Container (v1.TerminationMessageReadFile)
    terminationMessagePolicy: value("File"),
    // SetDefaults_Container: Always for `:latest` (or no tag), IfNotPresent otherwise.
    imagePullPolicy: derived((s) => (typeof s["image"] === "string" ? (imageTag(s["image"]) === "latest" ? "Always" : "IfNotPresent") : NO_DEFAULT)),
    // Exports print `resources: {}` for containers without requests or limits.
    resources: value({}),
  },
  ResourceRequirements: {
    // SetDefaults_Pod: a bare Pod's requests default to its limits.
    requests: derived((s, object) => (object.kind === "Pod" && object.apiVersion === "v1" && isPlainObject(s["limits"]) ? s["limits"] : NO_DEFAULT)),
  },
  ContainerPort: {
    // Declarative default on ContainerPort.Protocol (`+default="TCP"`)
    protocol: value("TCP"),
  },
  ObjectFieldSelector: {
    // SetDefaults_ObjectFieldSelector
    apiVersion: value("v1"),
  },
  ResourceFieldSelector: {
    // A zero Quantity serialises as "0" in exports.
    divisor: value("0"),
  },
  Probe: {
    // SetDefaults_Probe
    timeoutSeconds: value(1),
    periodSeconds: value(10),
    successThreshold: value(1),
    failureThreshold: value(3),
  },
  HTTPGetAction: {
    // SetDefaults_HTTPGetAction
    path: value("/"),
    scheme: value("HTTP"),
  },
  Volume: {
    // SetDefaults_Volume: a volume without a source is an emptyDir.
    emptyDir: derived((s) => (Object.keys(s).every((k) => VOLUME_SOURCE_KEYS_IGNORED.has(k)) ? {} : NO_DEFAULT)),
  },
  ConfigMapVolumeSource: {
    // SetDefaults_ConfigMapVolumeSource (0644)
    defaultMode: value(0o644),
    optional: FALSE_WHEN_ABSENT,
  },
  SecretVolumeSource: {
    // SetDefaults_SecretVolumeSource (0644)
    defaultMode: value(0o644),
    optional: FALSE_WHEN_ABSENT,
  },
  ProjectedVolumeSource: {
    // SetDefaults_ProjectedVolumeSource (0644)
    defaultMode: value(0o644),
  },
  DownwardAPIVolumeSource: {
    // SetDefaults_DownwardAPIVolumeSource (0644)
    defaultMode: value(0o644),
  },
  ServiceAccountTokenProjection: {
    // SetDefaults_ServiceAccountTokenProjection (one hour)
    expirationSeconds: value(3600),
  },
  HostPathVolumeSource: {
    // SetDefaults_HostPathVolumeSource (v1.HostPathUnset)
    type: value(""),
  },
  DeploymentSpec: {
    // SetDefaults_Deployment
    replicas: value(1),
    revisionHistoryLimit: value(10),
    progressDeadlineSeconds: value(600),
  },
  DeploymentStrategy: {
    // SetDefaults_Deployment
    type: value("RollingUpdate"),
  },
  RollingUpdateDeployment: {
    // SetDefaults_Deployment
    maxUnavailable: value("25%"),
    maxSurge: value("25%"),
  },
  ReplicaSetSpec: {
    // SetDefaults_ReplicaSet
    replicas: value(1),
  },
  StatefulSetSpec: {
    // SetDefaults_StatefulSet
    replicas: value(1),
    revisionHistoryLimit: value(10),
    podManagementPolicy: value("OrderedReady"),
  },
  StatefulSetUpdateStrategy: {
    // SetDefaults_StatefulSet
    type: value("RollingUpdate"),
  },
  RollingUpdateStatefulSetStrategy: {
    // SetDefaults_StatefulSet
    partition: value(0),
  },
  StatefulSetPersistentVolumeClaimRetentionPolicy: {
    // SetDefaults_StatefulSet
    whenDeleted: value("Retain"),
    whenScaled: value("Retain"),
  },
  PersistentVolumeClaimTemplate: {
    // Exports spell out the kind of each volume claim template.
    apiVersion: value("v1"),
    kind: value("PersistentVolumeClaim"),
  },
  DaemonSetSpec: {
    // SetDefaults_DaemonSet
    revisionHistoryLimit: value(10),
  },
  DaemonSetUpdateStrategy: {
    // SetDefaults_DaemonSet
    type: value("RollingUpdate"),
  },
  RollingUpdateDaemonSet: {
    // SetDefaults_DaemonSet
    maxUnavailable: value(1),
    maxSurge: value(0),
  },
  JobSpec: {
    // SetDefaults_Job: completions default to 1 only when parallelism is unset as well.
    completions: derived((s) => (s["parallelism"] === undefined ? 1 : NO_DEFAULT)),
    parallelism: value(1),
    backoffLimit: value(6),
    completionMode: value("NonIndexed"),
    suspend: value(false),
  },
  CronJobSpec: {
    // SetDefaults_CronJob
    concurrencyPolicy: value("Allow"),
    suspend: value(false),
    successfulJobsHistoryLimit: value(3),
    failedJobsHistoryLimit: value(1),
  },
  PersistentVolumeClaimSpec: {
    // SetDefaults_PersistentVolumeClaimSpec
    volumeMode: value("Filesystem"),
    // The DefaultStorageClass admission plugin fills in the default class.
    storageClassName: ALLOCATED,
    // The binder records the volume it bound.
    volumeName: ALLOCATED,
  },
  Secret: {
    // SetDefaults_Secret
    type: value("Opaque"),
  },
  ConfigMap: {
    // SetDefaults_ConfigMap
    data: value({}),
  },
  ServiceSpec: {
    // SetDefaults_Service
    type: value("ClusterIP"),
    sessionAffinity: value("None"),
    internalTrafficPolicy: derived((s) => (["ClusterIP", "NodePort", "LoadBalancer"].includes(String(s["type"] ?? "ClusterIP")) ? "Cluster" : NO_DEFAULT)),
    externalTrafficPolicy: derived((s) => (["NodePort", "LoadBalancer"].includes(String(s["type"])) ? "Cluster" : NO_DEFAULT)),
    allocateLoadBalancerNodePorts: derived((s) => (s["type"] === "LoadBalancer" ? true : NO_DEFAULT)),
    // Allocated by the service IP allocator and the dual-stack registry strategy.
    clusterIP: ALLOCATED,
    clusterIPs: ALLOCATED,
    ipFamilies: ALLOCATED,
    ipFamilyPolicy: ALLOCATED,
    healthCheckNodePort: ALLOCATED,
  },
  ServicePort: {
    // SetDefaults_Service
    protocol: value("TCP"),
    targetPort: derived((s) => s["port"] ?? NO_DEFAULT),
    // Allocated for NodePort and LoadBalancer services.
    nodePort: ALLOCATED,
  },
  NetworkPolicySpec: {
    // SetDefaults_NetworkPolicy: Ingress, plus Egress when there are egress rules.
    policyTypes: derived((s) => (Array.isArray(s["egress"]) && s["egress"].length > 0 ? ["Ingress", "Egress"] : ["Ingress"])),
  },
  NetworkPolicyPort: {
    // SetDefaults_NetworkPolicyPort
    protocol: value("TCP"),
  },
};

/** The default for `field` of a value of type `type`, if the table has one. */
export function serverDefault(type: string | undefined, field: string): ServerDefault | undefined {
  if (type === undefined) return undefined;
  return SERVER_DEFAULTS[type]?.[field];
}
