export * from "./security-context.ts";
export * from "./runner-deployment.ts";
export * from "./gh-runner.ts";
export * from "./forgejo-runner.ts";
export * from "./network-fence.ts";
export * from "./kubernetes-fleet.ts";
export * from "./arc.ts";
export * from "./arc-chart.ts";
