export * from "./kubernetes/index.ts";
export * from "./aws/index.ts";
export * from "./vault/index.ts";
export * from "./monitoring/index.ts";
