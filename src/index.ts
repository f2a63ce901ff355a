/** runner-fleet: Pulumi components and pure renderers for fenced, self-hosted CI runner fleets. */
export * from "./model/index.ts";
export * from "./render/index.ts";
export * from "./pulumi/index.ts";
