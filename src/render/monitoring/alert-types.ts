/** Shapes and defaults of the runner alert rules (`alert-groups.ts`, `runner-alerts.ts`). */

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly AlertRule[];
}

/**
 * Where the runners run, which decides the series the rules read:
 * `arc` (actions-runner-controller scale sets), `ec2` (GitHub runners on EC2, one job per
 * instance) or `libvirt` (GitHub runners and Forgejo runners in libvirt VMs).
 */
export type RunnerAlertSubstrate = "arc" | "ec2" | "libvirt";

export const RUNNER_ALERT_SUBSTRATES: readonly RunnerAlertSubstrate[] = ["arc", "ec2", "libvirt"];

export interface RunnerAlertOptions {
  /** Whose series the rules read. @default "arc" */
  readonly substrate?: RunnerAlertSubstrate;
  /** Queue latency (seconds) above which jobs wait too long. @default 900 */
  readonly queueLatencySeconds?: number;
  /** Share of failed jobs above which the failure alert fires. @default 0.03 */
  readonly failureRatio?: number;
  /** How long fewer runners than desired may be registered (ARC), or a runner service may be down (Forgejo). @default "10m" */
  readonly registrationGrace?: string;
  /** Runners of a VM pool that exit without ever listening for jobs, per hour, that count as a registration failure; also the Forgejo runner restarts per hour. @default 3 */
  readonly registrationFailuresPerHour?: number;
}

export const RUNNER_ALERT_DEFAULTS = { substrate: "arc", queueLatencySeconds: 900, failureRatio: 0.03, registrationGrace: "10m", registrationFailuresPerHour: 3 } as const;
