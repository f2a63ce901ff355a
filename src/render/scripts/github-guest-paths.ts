/** Fixed paths inside a GitHub runner guest. */
export const GITHUB_GUEST = {
  runnerUser: "runner",
  runnerUid: 1000,
  runnerHome: "/home/runner",
  runnerDir: "/home/runner/actions-runner",
  installScript: "/usr/local/sbin/install-actions-runner",
  /** Root: copies the JIT configuration from the seed ISO for the runner. */
  jitScript: "/usr/local/sbin/github-runner-jit",
  /** The runner: reads the JIT configuration into the environment and starts run.sh. */
  startScript: "/usr/local/bin/github-runner-once",
  unit: "github-runner.service",
  runtimeDirectory: "github-runner",
  /** The copy the runner reads once and deletes. */
  jitFile: "/run/github-runner/jitconfig",
  /** The file's name on the seed ISO (next to user-data and meta-data). */
  seedFile: "jitconfig",
  seedLabel: "cidata",
  dockerGroup: "docker",
  /** The environment variable the runner reads `--jitconfig` from. */
  jitVariable: "ACTIONS_RUNNER_INPUT_JITCONFIG",
} as const;
