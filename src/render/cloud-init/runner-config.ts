/** forgejo-runner's `config.yaml` in a Forgejo runner VM (the file itself: `render/forgejo/runner-config.ts`). */
import { type ForgejoRunnerConfig, type ForgejoRunnerPlacement, forgejoRunnerConfigOf, renderForgejoRunnerConfigOf } from "../forgejo/runner-config.ts";
import type { ResolvedForgejoVm } from "../../model/forgejo-vm.ts";
import { formatRunnerLabel } from "../../model/forgejo-vm.ts";
import { GUEST } from "../scripts/runner-guest.ts";

export type { ForgejoRunnerConfig };

/** The Forgejo VM's placement of forgejo-runner's files. */
const vmPlacement = (vm: ResolvedForgejoVm): ForgejoRunnerPlacement => ({
  file: GUEST.registration,
  capacity: vm.runner.capacity,
  labels: vm.runner.labels.map(formatRunnerLabel),
  cacheDir: GUEST.cacheDir,
  workdirParent: GUEST.hostWorkdir,
});

export const forgejoRunnerConfig = (vm: ResolvedForgejoVm): ForgejoRunnerConfig => forgejoRunnerConfigOf(vmPlacement(vm));

export const renderForgejoRunnerConfig = (vm: ResolvedForgejoVm): string => renderForgejoRunnerConfigOf(vmPlacement(vm));
