/** runner-fleet: Pulumi components and pure renderers for fenced, self-hosted CI runner fleets. */
export * from "./model/index.ts";
export * from "./render/index.ts";
export * from "./pulumi/index.ts";
export * from "./model/arc-fleet.ts";
export * from "./model/arc-metrics.ts";
export * from "./model/arc-container-mode.ts";
export * from "./pulumi/arc-controller.ts";
export * from "./pulumi/arc-stack-config.ts";
