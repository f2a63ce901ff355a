export * from "./security-context.ts";
export * from "./gh-runner.ts";
