/**
 * The NoCloud seed ISO of a one-job VM, as its guest reads it: the host of a one-job pool writes
 * the runner's credential files onto each VM's seed (`slot-pool-host.ts`), and a root script in the
 * guest mounts the seed read-only to copy them for the runner.
 */
import { type ShellNode, capture, cmd, onExit, or, ref, withIo } from "./shell.ts";

/** Mounts the seed ISO with volume label `label` read-only at a fresh `$mnt`, unmounted and removed on exit; `umask 077` first. */
export function mountSeedIso(label: string): ShellNode[] {
  return [
    cmd("umask", "077"),
    capture("mnt", cmd("mktemp", "-d")),
    onExit(or(withIo(cmd("umount", ref("mnt")), { noStderr: true }), cmd("true")), cmd("rmdir", ref("mnt"))),
    cmd("mount", "-o", "ro", `LABEL=${label}`, ref("mnt")),
  ];
}
