export * from "./runner-alerts.ts";
export * from "./job-metrics.ts";
export * from "./job-report.ts";
export * from "./forgejo-exporter.ts";
