/**
 * The fake credentials planted in the hostile settings corpus and by the fuzzer. They have the
 * shapes of real ones (so that shape checks see them) but belong to nothing. No error message may
 * quote any of them back.
 */

/** A GitHub personal access token shape: `ghp_` + 36 letters and digits. */
export const FAKE_GITHUB_PAT = "ghp_FakeHostileSettingsToken0123456789ab";
/** A second GitHub token shape, for labels. */
export const FAKE_GITHUB_PAT_LABEL = "ghp_AnotherFakeTokenForLabels9876543210z";
/** A fine-grained GitHub token shape. */
export const FAKE_GITHUB_FINE_GRAINED = "github_pat_11FAKEHOSTILE0000000000_FakeFineGrainedTokenForHostileSettings00";
/** A Forgejo access token shape: 40 lower-case hex digits. */
export const FAKE_FORGEJO_TOKEN = "f0e1d2c3b4a5968778695a4b3c2d1e0f00112233";
/** An AWS access key id shape. */
export const FAKE_AWS_ACCESS_KEY = "AKIAFAKEHOSTILE12345";
/** An AWS secret access key shape (40 characters). */
export const FAKE_AWS_SECRET_KEY = "wJalrXUtnFEMIhostileK7MDENGbPxRfiCYFAKE00";
/** A Vault token shape. */
export const FAKE_VAULT_TOKEN = "hvs.FakeHostileVaultToken0123456789";
/** A password inside URLs. */
export const FAKE_PASSWORD = "Hostile-Pa55word-Example";
/** The body line of a fake private key. */
export const FAKE_PRIVATE_KEY_BODY = "b3BlbnNzaC1rZXktdjEAAAAAFAKEhostileFAKEhostileFAKEhostile";
/** A fake PEM private key. */
export const FAKE_PRIVATE_KEY = `-----BEGIN OPENSSH PRIVATE KEY-----\n${FAKE_PRIVATE_KEY_BODY}\n-----END OPENSSH PRIVATE KEY-----\n`;

/** Every planted value: an error message that contains one of these quotes a secret. */
export const PLANTED_SECRETS: readonly string[] = [
  FAKE_GITHUB_PAT,
  FAKE_GITHUB_PAT_LABEL,
  FAKE_GITHUB_FINE_GRAINED,
  FAKE_FORGEJO_TOKEN,
  FAKE_AWS_ACCESS_KEY,
  FAKE_AWS_SECRET_KEY,
  FAKE_VAULT_TOKEN,
  FAKE_PASSWORD,
  FAKE_PRIVATE_KEY_BODY,
];
