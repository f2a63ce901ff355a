export * from "./iam-policy.ts";
export * from "./security-group.ts";
export * from "./launch-template.ts";
export * from "./user-data.ts";
