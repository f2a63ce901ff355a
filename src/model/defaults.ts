/**
 * Every default of the GitHub runner model, in one place. The docs' `@default` tags and the
 * configuration reference quote these values, and a test checks that they agree.
 */
export const GH_RUNNER_DEFAULTS = {
  /** Namespace the runners are deployed to (it must already exist). */
  namespace: "my-reforge-ai",
  /** GitHub base URL; set `githubUrl` for GitHub Enterprise Server. */
  githubUrl: "https://github.com",
  /** Pods per runner Deployment. */
  replicas: 1,
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
} as const;

/** Name suffix of every Kubernetes object the gh-runner substrate renders. */
export const GH_RUNNER_SUFFIX = "-gh-runner";
