/**
 * Every default of the Kubernetes Deployment runner models, in one place: the pod (any forge), the
 * GitHub runner and the Forgejo runner. The docs' `@default` tags, the stacks' settings specs and
 * their Pulumi.yaml quote these values, and tests check that they agree.
 */

/** Defaults of the runner pod, whatever its forge. */
export const KUBERNETES_RUNNER_DEFAULTS = {
  /** Pods per runner Deployment. */
  replicas: 1,
  /** Image pull policy. */
  imagePullPolicy: "IfNotPresent" as const,
  /** UID the runner runs as. */
  runAsUser: 1000,
  /** GID the runner runs as. */
  runAsGroup: 1000,
  /** Group that owns mounted volumes. */
  fsGroup: 1000,
  /** Writable scratch paths backed by emptyDir volumes (the root filesystem is read-only). */
  writablePaths: ["/tmp"] as readonly string[],
  /** Namespace of the cluster's DNS pods, which fenced runners may reach on port 53. */
  dnsNamespace: "kube-system",
  /** Labels of the cluster's DNS pods. */
  dnsPodLabels: { "k8s-app": "kube-dns" } as Readonly<Record<string, string>>,
  /** Destinations fenced runners may reach beyond DNS and public HTTPS (`extraEgress`): none. */
  extraEgress: [] as readonly never[],
} as const;

/** Every default of the GitHub runner model on Kubernetes Deployments. */
export const GH_RUNNER_DEFAULTS = {
  ...KUBERNETES_RUNNER_DEFAULTS,
  /** GitHub base URL; set `githubUrl` for GitHub Enterprise Server. */
  githubUrl: "https://github.com",
  /** Plain `http://` GitHub URLs are refused unless opted in. */
  allowInsecureHttp: false,
  /** Import objects that already run instead of creating them. */
  adoptExisting: false,
  /** Extra runner labels (the runner adds `self-hosted`, OS and architecture itself). */
  labels: [] as readonly string[],
  /** Register for one job only (`--ephemeral`). */
  ephemeral: false,
  /** Replace a registered runner of the same name (`--replace`), so restarted pods re-register. */
  replace: true,
  /** Disable the runner's self-update (`--disableupdate`): the image is pinned, updates come from a new image. */
  disableUpdates: true,
  /** Runner work directory (`--work`), backed by an emptyDir. */
  workDir: "/home/runner/_work",
  /**
   * How a runner registers: runner-fleet sets the actions runner's `ACTIONS_RUNNER_INPUT_*`
   * variables from a registration token Secret (`actions-runner-input`; GitHub's registration
   * tokens expire after an hour, so a pod that restarts later cannot register), the image registers
   * itself from its own variables (`image`), or a minter container mints a just-in-time
   * configuration per job from a GitHub App or token in an existing Secret (`jit`, defaults in
   * `GH_RUNNER_JIT_DEFAULTS`).
   */
  registration: "actions-runner-input",
  /**
   * Default-deny NetworkPolicies around the runner pods: DNS and public HTTPS egress only, plus
   * `extraEgress`. `networkPolicies: false` is the opt-out.
   */
  networkPolicies: true,
} as const;

/** Name suffix of every Kubernetes object the gh-runner substrate renders. */
export const GH_RUNNER_SUFFIX = "-gh-runner";

/** Every default of the Forgejo runner model on Kubernetes Deployments. */
export const FORGEJO_K8S_DEFAULTS = {
  ...KUBERNETES_RUNNER_DEFAULTS,
  /** Plain `http://` forge URLs are refused (loopback excepted) unless opted in. */
  allowInsecureHttp: false,
  /** Import objects that already run instead of creating them. */
  adoptExisting: false,
  /** The existing Secret holding the runner registration token (referenced, never created). */
  registrationSecret: { name: "forgejo-runner-registration", key: "token" } as Readonly<{ name: string; key: string }>,
  /** forgejo-runner image, pinned by its release tag (the image runs as UID/GID 1000). */
  image: "code.forgejo.org/forgejo/runner:12.6.4",
  /** Runner labels: jobs run in the runner container itself (Pod Security restricted forbids docker-in-docker). */
  labels: ["k8s:host"] as readonly string[],
  /** Jobs one runner pod runs at once (`runner.capacity`). */
  capacity: 1,
  /** The runner's data directory (HOME, `.runner`, cache, job work directories), an emptyDir. */
  dataDir: "/data",
  /**
   * Default-deny NetworkPolicies around the runner pods: DNS and public HTTPS egress only, plus the
   * forge (`forgeCidrs`) and `extraEgress`. `networkPolicies: false` is the opt-out.
   */
  networkPolicies: true,
  /** Where a forge whose name resolves to private addresses is (none: the forge is public). */
  forgeCidrs: [] as readonly string[],
  /** Resources of the registration init container. */
  registerResources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi" } },
} as const;

/** Name suffix of every Kubernetes object the Forgejo Deployment substrate renders. */
export const FORGEJO_K8S_SUFFIX = "-forgejo-runner";

/** Most jobs one forgejo-runner pod runs at once: more belongs in more replicas. */
export const MAX_FORGEJO_CAPACITY = 64;
