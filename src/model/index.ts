export * from "./issues.ts";
export * from "./image.ts";
export * from "./defaults.ts";
export * from "./gh-runner.ts";
export { tomlProblem } from "./toml.ts";
export * from "./cidr.ts";
export * from "./arc-scale-set.ts";
export * from "./aws-runner.ts";
export * from "./forgejo-vm.ts";
