export * from "./policy-checks.ts";
export * from "./runner-role.ts";
