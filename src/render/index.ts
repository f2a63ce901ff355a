export * from "./kubernetes/index.ts";
