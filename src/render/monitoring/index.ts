export * from "./runner-alerts.ts";
