export * from "./security-context.ts";
export * from "./gh-runner.ts";
export * from "./arc.ts";
export * from "./arc-chart.ts";
