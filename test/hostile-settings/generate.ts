/**
 * Hostile settings files too big to keep in the repository, written on demand into a directory
 * the caller owns (a temporary one). Each starts with the same two header lines as the files of
 * the corpus (`# expect: <key path>` or `# expect-file: <why>`, then `# why: ...`), so that the
 * corpus runner reads them the same way. The one exception is the empty file, whose expectation
 * comes from the returned list.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "../helpers.ts";

export interface GeneratedCase {
  /** Project directory name under infra/pulumi (and under test/hostile-settings). */
  readonly project: string;
  /** The written file. */
  readonly file: string;
  /** For files that cannot carry a header (the empty file). */
  readonly expectFile?: string;
  readonly why?: string;
}

const MIB = 1024 * 1024;

function realSettings(project: string, stack: string): string {
  return readFileSync(join(REPO, "infra/pulumi", project, `Pulumi.${stack}.yaml`), "utf8");
}

/** Writes every generated case into `dir` and lists them. */
export function generateHostileFiles(dir: string): GeneratedCase[] {
  const out: GeneratedCase[] = [];
  const write = (project: string, name: string, content: string | Buffer, extra: Partial<GeneratedCase> = {}) => {
    const file = join(dir, `${project}--${name}.yaml`);
    writeFileSync(file, content);
    out.push({ project, file, ...extra });
  };

  // A truly empty file: zero bytes, so no header either.
  write("gh-runner", "g01-zero-bytes", "", { expectFile: "the file is empty (zero bytes)", why: "an empty settings file" });

  // A 20 MB host key: the shape of an ssh-ed25519 line, with a blob 300,000 times too long. No
  // settings file need be that big, so refusing the file for its size passes too.
  const foundation = realSettings("foundation-runners", "crunchy");
  const hostKey = (bytes: number) => `  foundation-runners:libvirtHostKey: ssh-ed25519 AAAA${"A".repeat(bytes)}\n`;
  write(
    "foundation-runners",
    "g02-hostkey-20mb",
    `# expect: libvirtHostKey\n# why: libvirtHostKey is a 20 MB ssh-ed25519 line (a real Ed25519 key blob is 68 characters)\n# or-expect-file: a 20 MB settings file\n${foundation}${hostKey(20 * MIB)}`,
  );
  // The same, small enough for a settings file (600 KB) and still 9,000 times too long.
  write(
    "foundation-runners",
    "g03-hostkey-600kb",
    `# expect: libvirtHostKey\n# why: libvirtHostKey is a 600 KB ssh-ed25519 line (a real Ed25519 key blob is 68 characters)\n${foundation}${hostKey(600 * 1024)}`,
  );

  // A settings file of 25 MB: valid settings followed by a wall of comments.
  const firecracker = realSettings("gh-runners-firecracker", "dev");
  const comment = `# ${"x".repeat(1022)}\n`;
  write(
    "gh-runners-firecracker",
    "g04-file-25mb",
    `# expect-file: the file is 25 MB, far beyond any settings file\n# why: valid settings followed by 25 MB of comment lines\n${firecracker}${comment.repeat(25 * 1024)}`,
  );

  // 100,000 runner labels (1.5 MB, so refusing the file for its size passes too), and 20,000.
  const labels = (n: number) => Array.from({ length: n }, (_, i) => `    - label-${i}\n`).join("");
  write(
    "gh-runners-firecracker",
    "g05-runner-labels-100000",
    `# expect: runnerLabels\n# why: 100,000 labels on one scale set\n# or-expect-file: a 1.5 MB settings file\n${firecracker}  gh-runners-firecracker:runnerLabels:\n${labels(100_000)}`,
  );
  write(
    "gh-runners-firecracker",
    "g06-runner-labels-20000",
    `# expect: runnerLabels\n# why: 20,000 labels on one scale set\n${firecracker}  gh-runners-firecracker:runnerLabels:\n${labels(20_000)}`,
  );

  // A 20 MB value in a plain string key (refusing the file for its size passes too), and 600 KB.
  const aws = realSettings("aws-firecracker-runners", "dev");
  const zone = (bytes: number) => aws.replace("aws-firecracker-runners:availabilityZone: eu-west-1a", `aws-firecracker-runners:availabilityZone: eu-west-1${"a".repeat(bytes)}`);
  write(
    "aws-firecracker-runners",
    "g07-availability-zone-20mb",
    `# expect: availabilityZone\n# why: availabilityZone is a 20 MB string\n# or-expect-file: a 20 MB settings file\n${zone(20 * MIB)}`,
  );
  write(
    "aws-firecracker-runners",
    "g08-availability-zone-600kb",
    `# expect: availabilityZone\n# why: availabilityZone is a 600 KB string\n${zone(600 * 1024)}`,
  );
  return out;
}
