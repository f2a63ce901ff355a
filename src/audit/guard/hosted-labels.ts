/**
 * Runner labels that mean "a runner GitHub hosts", and the labels every self-hosted runner gets by
 * default. The one place these lists live: the guard, the actionlint filter and the emitted
 * actionlint config all read them from here.
 */

/** Labels of GitHub-hosted runner images (standard and larger runners, x64 and arm). */
export const GITHUB_HOSTED_LABELS: readonly string[] = [
  "ubuntu-latest",
  "ubuntu-24.04",
  "ubuntu-22.04",
  "ubuntu-20.04",
  "ubuntu-slim",
  "ubuntu-24.04-arm",
  "ubuntu-22.04-arm",
  "ubuntu-latest-4-cores",
  "ubuntu-latest-8-cores",
  "ubuntu-latest-16-cores",
  "windows-latest",
  "windows-2025",
  "windows-2022",
  "windows-2019",
  "windows-11-arm",
  "windows-latest-8-cores",
  "macos-latest",
  "macos-latest-large",
  "macos-latest-xlarge",
  "macos-latest-xl",
  "macos-15",
  "macos-15-large",
  "macos-15-xlarge",
  "macos-15-intel",
  "macos-14",
  "macos-14-large",
  "macos-14-xlarge",
  "macos-14-xl",
  "macos-13",
  "macos-13-large",
  "macos-13-xlarge",
  "macos-13-xl",
];

/**
 * Labels the GitHub runner gives every self-hosted runner (`self-hosted`, OS, architecture);
 * actionlint knows them, so the emitted actionlint config leaves them out.
 */
export const SELF_HOSTED_DEFAULT_LABELS: readonly string[] = ["self-hosted", "linux", "windows", "macos", "x64", "arm", "arm64"];

const hosted = new Set(GITHUB_HOSTED_LABELS);
const defaults = new Set(SELF_HOSTED_DEFAULT_LABELS);

/** Whether a label names a GitHub-hosted runner image (case-insensitive, as GitHub compares). */
export function isGithubHostedLabel(label: string): boolean {
  return hosted.has(label.toLowerCase());
}

/** Whether a label is one every self-hosted runner carries by default. */
export function isSelfHostedDefaultLabel(label: string): boolean {
  return defaults.has(label.toLowerCase());
}

/**
 * Whether a `runs-on` label set targets GitHub-hosted runners: it names a hosted image and does
 * not ask for `self-hosted`.
 */
export function targetsGithubHosted(labels: readonly string[]): boolean {
  return labels.some(isGithubHostedLabel) && !labels.some((l) => l.toLowerCase() === "self-hosted");
}
