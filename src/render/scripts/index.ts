// Shell builders (cmd, ifThen, ...) stay module-local: import them from "./shell.ts" when composing scripts.
export type { ShellNode, ShellScript, ShellWord } from "./shell.ts";
export { renderShellBody, renderShellScript, shQuote } from "./shell.ts";
export * from "./systemd.ts";
export * from "./runner-guest.ts";
export * from "./forward-fix.ts";
export * from "./host-files.ts";
export * from "./host-commands.ts";
export * from "./guest-downloads.ts";
export * from "./github-guest.ts";
export * from "./github-pool-host.ts";
export * from "./forgejo-ephemeral-guest.ts";
export * from "./forgejo-pool-register.ts";
export * from "./forgejo-pool-host.ts";
