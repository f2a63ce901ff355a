/**
 * The `runner_fleet_*` series a one-job GitHub runner machine (EC2 instance or libvirt VM) writes
 * to the node exporter's textfile collector when its runner exits (`job-report.ts`). Every job is
 * its own series (label `job_id`, the runner's id of the job request), so counting series counts
 * jobs exactly, and a machine that lives for one job needs no counter that survives it.
 */
export const JOB_METRICS = {
  /** Gauge, per job: when the runner reported the job complete (Unix seconds); label `result`. */
  completedTimestamp: "runner_fleet_job_completed_timestamp_seconds",
  /** Gauge, per job: GitHub's `started_at - created_at` of the job (seconds); only with a token that reads Actions. */
  queueSeconds: "runner_fleet_job_queue_seconds",
  /** Gauge, per job: from the runner's "Running job" to "completed" lines (seconds). */
  durationSeconds: "runner_fleet_job_duration_seconds",
  /** Gauge, per machine: when the runner exited (Unix seconds); label `outcome`. */
  exitTimestamp: "runner_fleet_runner_exit_timestamp_seconds",
} as const;

/**
 * The runner's job results (`TaskResult` of actions/runner, lowercased) as the `result` label.
 * `succeededwithissues` is reported as `succeeded`.
 */
export const JOB_RESULTS = ["succeeded", "failed", "canceled", "skipped", "abandoned"] as const;

/** Results the failure-rate alert counts: the job failed, or its runner lost it. Canceled is not a failure. */
export const VM_FAILED_RESULTS = ["failed", "abandoned"] as const;

/**
 * How a runner machine's runner ended (`outcome` label): it ran a job; it listened but got no
 * job (scaled in, stopped); or it never listened for jobs (registration or connection failed).
 */
export const EXIT_OUTCOMES = ["job", "idle", "never_listened"] as const;
