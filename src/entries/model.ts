/**
 * `runner-fleet/model`: the typed fleet models (resolve + validate) and the pure renderers
 * (resolved model → documents). No Pulumi SDK and no I/O: usable in any program.
 */
export * from "../model/index.ts";
export * from "../render/index.ts";
export * from "../model/arc-fleet.ts";
export * from "../model/arc-metrics.ts";
export * from "../model/arc-container-mode.ts";
