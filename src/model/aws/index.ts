export * from "./network.ts";
export * from "./iam.ts";
export * from "./fleet.ts";
export * from "./secret-id-broker.ts";
export * from "./stack.ts";
