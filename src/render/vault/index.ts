export * from "./policy.ts";
export * from "./approle.ts";
