/**
 * The installer of one checksum-verified download of a guest description (`GuestDownload`): it
 * downloads the pinned release, installs it only when its SHA-256 matches, and exits non-zero
 * before installing anything otherwise. Re-running is a no-op once the pinned version is in place.
 */
import type { GuestDownload } from "../../model/runner-guest.ts";
import {
  type ShellScript, and, assign, capture, cmd, comment, exit, fail, ifThen, not, onExit, pipe, ref, test, withIo,
} from "./shell.ts";

/** The file beside an extracted tarball that records the digest it was extracted from. */
export const EXTRACTED_MARKER = ".runner-fleet-sha256";

export function downloadInstallScript(d: GuestDownload): ShellScript {
  const checksumOf = (file: string) => cmd("printf", "%s  %s\\n", ref("sha256"), ref(file));
  const fetch = [
    capture("tmp", cmd("mktemp")),
    onExit(cmd("rm", "-f", ref("tmp"))),
    cmd("curl", "--fail", "--silent", "--show-error", "--location", "--retry", "5", "--retry-connrefused", "--output", ref("tmp"), ref("url")),
    ifThen(not(pipe(checksumOf("tmp"), cmd("sha256sum", "--check", "--strict", "--status", "-"))), [
      ...fail(["checksum mismatch for ", ref("url"), ": expected sha256 ", ref("sha256")]),
    ]),
  ];
  const head = [assign("url", d.url), assign("sha256", d.sha256), assign("dest", d.dest)];
  const description = `Installs ${d.name} ${d.version} (linux-amd64) after verifying its SHA-256.\nFails without installing anything when the download or the checksum is wrong.`;
  if (d.kind === "binary") {
    return {
      description,
      body: [
        ...head,
        ifThen(and(test("-x", ref("dest")), pipe(checksumOf("dest"), cmd("sha256sum", "--check", "--status", "-"))), [
          comment("Already installed at the pinned version."),
          exit(0),
        ]),
        ...fetch,
        cmd("install", "-m", "0755", "-o", "root", "-g", "root", ref("tmp"), ref("dest")),
        cmd("echo", ["runner-fleet: installed ", d.name, " ", d.version]),
      ],
    };
  }
  const owner = d.owner ?? "root";
  const marker = [ref("dest"), `/${EXTRACTED_MARKER}`];
  return {
    description,
    body: [
      ...head,
      ifThen(and(test("-f", marker), cmd("grep", "-qxF", ref("sha256"), marker)), [
        comment("Already extracted from the pinned release."),
        exit(0),
      ]),
      ...fetch,
      cmd("rm", "-rf", ref("dest")),
      cmd("install", "-d", "-m", "0755", "-o", owner, "-g", owner, ref("dest")),
      cmd("tar", "-xzf", ref("tmp"), "-C", ref("dest"), "--no-same-owner"),
      cmd("chown", "-R", `${owner}:${owner}`, ref("dest")),
      withIo(cmd("printf", "%s\\n", ref("sha256")), { stdout: marker }),
      cmd("echo", ["runner-fleet: installed ", d.name, " ", d.version]),
    ],
  };
}
