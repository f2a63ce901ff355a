export * from "./kubernetes-runners.ts";
export * from "./stack-config.ts";
export * from "./github-runner-scale-set.ts";
