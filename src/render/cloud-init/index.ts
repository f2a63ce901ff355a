export * from "./runner-config.ts";
export * from "./user-data.ts";
export * from "./network-config.ts";
export * from "./meta-data.ts";
export * from "./cloud-init.ts";
export * from "./github-pool.ts";
export * from "./forgejo-pool.ts";
