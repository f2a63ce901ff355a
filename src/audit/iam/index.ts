export * from "./policy-checks.ts";
export * from "./runner-role.ts";
export * from "./secret-id-broker-role.ts";
