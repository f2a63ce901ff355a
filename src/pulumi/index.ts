export * from "./kubernetes-runners.ts";
export * from "./stack-config.ts";
