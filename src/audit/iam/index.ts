export * from "./policy-checks.ts";
export * from "./role-claims.ts";
export * from "./runner-boundary.ts";
export * from "./runner-role.ts";
export * from "./secret-id-broker-role.ts";
export * from "./simulate.ts";
