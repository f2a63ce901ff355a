export * from "./domain.ts";
export * from "./virsh.ts";
