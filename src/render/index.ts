export * from "./kubernetes/index.ts";
export * from "./aws/index.ts";
export * from "./vault/index.ts";
export * from "./monitoring/index.ts";
export * from "./libvirt/index.ts";
export * from "./cloud-init/index.ts";
export * from "./scripts/index.ts";
