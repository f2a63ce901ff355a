export * from "./iam-policy.ts";
export * from "./security-group.ts";
export * from "./launch-template.ts";
export * from "./user-data.ts";
export * from "./secret-id-broker.ts";
export * from "./secret-id-broker-names.ts";
export * from "./secret-id-broker-policies.ts";
